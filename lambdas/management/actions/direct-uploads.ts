import { isValidDigest } from '../../registry/grammar.js';
import { Repositories } from '../../registry/repositories.js';
import { RegistryError } from '../../registry/errors.js';
import { authorizeAction, mayPerform } from '../authorization.js';
import type { Action, ActionContext } from '../context.js';
import { DirectUploadError } from '../direct-uploads.js';
import { EcrError, type EcrErrorType } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import { constraintError, requiredString } from '../validation.js';

/**
 * Berth_V1.InitiateBlobUpload and CompleteBlobUpload: `berth push` uploads
 * layers of up to 5 GiB (one PUT) straight to S3, with the same authorization
 * as a push through /v2/ (ecr:InitiateLayerUpload, ecr:CompleteLayerUpload)
 * and the same create-on-push.
 */

/** How ECR names each way a direct upload fails. */
const DIRECT_UPLOAD_ERRORS: Record<DirectUploadError['reason'], EcrErrorType> = {
  unknown: 'UploadNotFoundException',
  mismatch: 'InvalidLayerException',
  tooLarge: 'LimitExceededException',
};

function ecrErrorOf(error: unknown): unknown {
  return error instanceof DirectUploadError ? new EcrError(DIRECT_UPLOAD_ERRORS[error.reason], error.message) : error;
}

/** S3's largest object. */
const MAX_BLOB_BYTES = 5 * 1024 ** 4;

function digestOf(context: ActionContext): string {
  const digest = requiredString(context.input, 'digest');
  if (!isValidDigest(digest) || !digest.startsWith('sha256:')) throw constraintError('digest', digest, 'Member must be a sha256 digest');
  return digest;
}

function sizeOf(context: ActionContext): number {
  const size = context.input.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_BLOB_BYTES) {
    throw constraintError('size', size, `Member must be a whole number of bytes from 0 to ${MAX_BLOB_BYTES}`);
  }
  return size;
}

async function requireRepositoryForPush(context: ActionContext, name: string): Promise<void> {
  const { services } = context;
  try {
    await new Repositories(services.store, services.templates, services.createOnPush, services.now, services.events).requireForPush(name);
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'NAME_UNKNOWN') {
      throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${services.identity.accountId}'`);
    }
    throw error;
  }
}

export const initiateBlobUpload: Action = async (context) => {
  const { services, principal } = context;
  const name = repositoryNameOf(services.identity, context.input);
  const digest = digestOf(context);
  const size = sizeOf(context);
  await authorizeAction(services, principal, 'InitiateLayerUpload', { repositoryName: name });
  await requireRepositoryForPush(context, name);
  if (await services.store.getBlobLink(name, digest)) return { status: 'EXISTS', digest };
  // A blob another repository holds is linked, not uploaded again, if the caller may pull it there.
  for (const holder of await services.store.repositoriesWithBlob(digest, 10)) {
    const link = await services.store.getBlobLink(holder, digest);
    if (link && link.size === size && (await mayPerform(services, principal, 'BatchGetImage', holder))) {
      await services.store.linkBlob(name, link);
      return { status: 'EXISTS', digest };
    }
  }
  try {
    return { status: 'UPLOAD', digest, ...(await services.directUploads.start(name, digest, size)) };
  } catch (error) {
    throw ecrErrorOf(error);
  }
};

export const completeBlobUpload: Action = async (context) => {
  const { services, principal, input } = context;
  const name = repositoryNameOf(services.identity, input);
  const uploadId = requiredString(input, 'uploadId', { min: 1, max: 64 });
  await authorizeAction(services, principal, 'CompleteLayerUpload', { repositoryName: name });
  try {
    const link = await services.directUploads.complete(name, uploadId);
    return { repositoryName: name, digest: link.digest, size: link.size };
  } catch (error) {
    throw ecrErrorOf(error);
  }
};
