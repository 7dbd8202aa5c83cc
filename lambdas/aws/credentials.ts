import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type Credentials = AwsCredentialIdentity;
export type CredentialsProvider = AwsCredentialIdentityProvider;

/**
 * The credentials of a Lambda function: its role's, which the runtime puts in the environment.
 * Read at each signature, as the runtime keeps them current. The SDK's default chain (SSO,
 * shared files, processes, web identity, containers, instance metadata) is never used in Lambda
 * and cost a sixth of a function's bundle; the upload gateway, which runs in a container, is
 * given that chain instead (lambdas/upload-gateway/main.ts).
 */
export const environmentCredentials: CredentialsProvider = async () => {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this function takes credentials from the Lambda environment only');
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
};
