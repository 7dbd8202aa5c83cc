import type { HttpResponse } from '../shared/http/types.js';
import { RepositoryNotEmptyError, RepositoryNotFoundError } from '../store/errors.js';

/**
 * Every error the management API answers, declared once with its HTTP status,
 * in the shape of Amazon ECR's JSON 1.1 protocol: `{"__type": ..., "message": ...}`.
 * Client faults are 4xx; anything unexpected is a ServerException without internals.
 */
export const ECR_ERRORS = {
  InvalidParameterException: 400,
  InvalidTagParameterException: 400,
  TooManyTagsException: 400,
  LimitExceededException: 400,
  RepositoryNotFoundException: 400,
  RepositoryAlreadyExistsException: 400,
  RepositoryNotEmptyException: 400,
  RepositoryPolicyNotFoundException: 400,
  LifecyclePolicyNotFoundException: 400,
  LifecyclePolicyPreviewNotFoundException: 400,
  ImageNotFoundException: 400,
  ImageAlreadyExistsException: 400,
  ImageTagAlreadyExistsException: 400,
  ImageDigestDoesNotMatchException: 400,
  ReferencedImagesNotFoundException: 400,
  LayersNotFoundException: 400,
  LayerInaccessibleException: 400,
  UnsupportedImageTypeException: 400,
  TemplateNotFoundException: 400,
  TemplateAlreadyExistsException: 400,
  PullThroughCacheRuleNotFoundException: 400,
  PullThroughCacheRuleAlreadyExistsException: 400,
  UnsupportedUpstreamRegistryException: 400,
  SecretNotFoundException: 400,
  UnableToAccessSecretException: 400,
  UnableToDecryptSecretValueException: 400,
  AccessKeyNotFoundException: 400,
  WebhookNotFoundException: 400,
  WebhookAlreadyExistsException: 400,
  UploadNotFoundException: 400,
  InvalidLayerException: 400,
  ValidationException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  AccessDeniedException: 403,
  RequestEntityTooLargeException: 413,
  ServerException: 500,
} as const;

export type EcrErrorType = keyof typeof ECR_ERRORS;

export class EcrError extends Error {
  constructor(readonly type: EcrErrorType, message: string) {
    super(message);
    this.name = 'EcrError';
  }
}

/** ECR's RepositoryNotFoundException, in ECR's words. */
export function repositoryNotFound(accountId: string, name: string): EcrError {
  return new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${accountId}'`);
}

/**
 * The ECR error for a store's domain error that reaches the edge: a repository
 * deleted while the request ran (after the action found it), or not empty when
 * a delete required it. Undefined for anything else, which is unexpected.
 */
export function ecrErrorOfDomain(error: unknown, accountId: string): EcrError | undefined {
  if (error instanceof RepositoryNotFoundError) return repositoryNotFound(accountId, error.repository);
  if (error instanceof RepositoryNotEmptyError) {
    return new EcrError('RepositoryNotEmptyException', `The repository with name '${error.repository}' in registry with id '${accountId}' cannot be deleted because it still contains images`);
  }
  return undefined;
}

export function ecrErrorResponse(error: EcrError): HttpResponse {
  return {
    status: ECR_ERRORS[error.type],
    // SDKs read the type from the body; some read the header first.
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.type },
    body: Buffer.from(JSON.stringify({ __type: error.type, message: error.message })),
  };
}

export function ecrInternalError(error: unknown, log: (message: string, error: unknown) => void): HttpResponse {
  log('unhandled error', error);
  return ecrErrorResponse(new EcrError('ServerException', 'internal server error; the request was not completed and may be retried'));
}
