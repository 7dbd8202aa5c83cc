import { join } from 'node:path';
import { ADMIN_PROFILE } from '../local/admin-credentials.js';
import { LOCAL_REGION } from '../local/emulators/local-aws.js';
import { localDataDir } from './aws-credentials.js';
import { CliError } from './errors.js';
import type { RegistryTarget } from './registry.js';

/** A failure as `berth` reports it: `berth: <name>: <message>`, then `hint: <hint>`. */
export interface Explanation {
  name: string;
  message: string;
  hint?: string;
}

export interface FailureContext {
  registry: RegistryTarget;
  /** The repository the command named, for hints that name it back. */
  repository?: string;
}

/** Names an ECR error by its type, a network error by its code, and adds what to do about it where that is clear. */
export function explainError(error: unknown, context: FailureContext): Explanation {
  const network = networkCode(error);
  if (network) return explainNetworkError(network, context.registry);
  if (isUnreadableResponse(error)) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return {
      name: 'UnexpectedResponse',
      message: `${context.registry.url} did not answer in ECR's protocol${status ? ` (HTTP ${status})` : ''}; is it a Berth registry?`,
      hint: 'check the registry URL (--registry or BERTH_REGISTRY)',
    };
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = oneLine(error instanceof Error ? error.message : String(error));
  const hint = error instanceof CliError ? error.hint : hintFor(name, message, context);
  return { name, message, ...(hint ? { hint } : {}) };
}

function hintFor(name: string, message: string, { registry, repository = 'NAME' }: FailureContext): string | undefined {
  switch (name) {
    case 'RepositoryNotFoundException':
      return `create it with: berth repository create ${repository}`;
    case 'RepositoryAlreadyExistsException':
      return `see it with: berth repository describe ${repository}`;
    case 'RepositoryNotEmptyException':
      return `delete it with its images with: berth repository delete ${repository} --force`;
    case 'RepositoryPolicyNotFoundException':
      return `set one with: berth policy set ${repository} FILE`;
    case 'ImageNotFoundException':
      return `list its images with: berth images list ${repository}`;
    case 'AccessKeyNotFoundException':
      return 'list the keys with: berth access-key list';
    case 'UnknownOperationException':
      return `the registry at ${registry.url} does not serve this operation; it may run an older version of Berth`;
    case 'UnrecognizedClientException': {
      if (!registry.local) return 'check which credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID)';
      const dataDir = localDataDir(registry.url);
      return `a local registry accepts only its administrator's key: unset your AWS credentials${dataDir ? `, or use AWS_SHARED_CREDENTIALS_FILE=${join(dataDir, 'credentials')} AWS_PROFILE=${ADMIN_PROFILE}` : ''}`;
    }
    case 'InvalidSignatureException':
      return registry.local && /region/i.test(message) ? `a local registry accepts signatures for ${LOCAL_REGION} only: set AWS_REGION=${LOCAL_REGION}` : undefined;
    case 'CredentialsProviderError':
      return 'configure AWS credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    case 'InvalidParameterException':
    case 'ValidationException':
      // ECR's message quotes the name pattern; the cause most often met is a capital letter.
      return /[A-Z]/.test(repository) && repository !== 'NAME' ? `repository names are lowercase: ${repository.toLowerCase()}` : undefined;
    default:
      return undefined;
  }
}

/** The SDK could not read the response as the operation's output or error: the server speaks some other protocol. */
function isUnreadableResponse(error: unknown): boolean {
  return error instanceof Error && '$response' in error && error.message.includes('Deserialization error');
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/** The code of a failure to reach the registry, wherever Node put it (on the error, its cause, or an AggregateError's errors). */
function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  const nested = [(error as { cause?: unknown }).cause, ...(error instanceof AggregateError ? error.errors : [])];
  return nested.map(networkCode).find((found) => found !== undefined);
}

function explainNetworkError(code: string, registry: RegistryTarget): Explanation {
  const { host, hostname, port } = new URL(registry.url);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        name: code,
        message: `could not connect to ${registry.url}`,
        hint: registry.local
          // `npm start` serves on port 5000 unless PORT says otherwise.
          ? `is the local registry running? start it with: ${port === '5000' ? 'npm start (PORT=N npm start serves on port N)' : `PORT=${port || 80} npm start`}; `
            + `for one that runs on another port, add --registry http://${hostname}:PORT`
          : 'check the registry URL (--registry or BERTH_REGISTRY)',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { name: code, message: `could not resolve ${host}`, hint: 'check the registry URL (--registry or BERTH_REGISTRY)' };
    default:
      return { name: code, message: `could not reach ${registry.url}` };
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
