import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The credentials of a Lambda function: its role's, which the runtime puts in
 * the environment. The function bundles take this module in place of the SDK's
 * default chain (see lib/berth-function.ts): its other sources (SSO, shared
 * files, processes, web identity, containers, instance metadata) and the STS and
 * SSO clients they bring are never used in Lambda, and cost a sixth of a bundle.
 * Named as the module it replaces names its provider.
 */
export function defaultProvider(): AwsCredentialIdentityProvider {
  return async () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle takes credentials from the Lambda environment only');
    }
    const credentials: AwsCredentialIdentity = { accessKeyId, secretAccessKey };
    return sessionToken ? { ...credentials, sessionToken } : credentials;
  };
}
