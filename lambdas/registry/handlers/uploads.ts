import type { UploadSession } from '../../store/records.js';
import { UploadConflictError } from '../../store/errors.js';
import { checkWhole, type ByteRange, type UploadBody } from '../blobs/upload-service.js';
import { repositoryName, type RouteContext, type RouteHandler } from '../context.js';
import { RegistryError } from '../errors.js';
import { isValidDigest, isValidName } from '../grammar.js';
import { empty } from './responses.js';

/** The spec's inclusive Range of bytes received; "0-0" also stands for none, as distribution answers. */
function receivedRange(offset: number): string {
  return `0-${Math.max(0, offset - 1)}`;
}

async function sessionHeaders(context: RouteContext, session: UploadSession): Promise<Record<string, string>> {
  return {
    location: await context.services.locations.session(context, session),
    range: receivedRange(session.offset),
    'docker-upload-uuid': session.id,
    'blob-upload-session-id': session.id,
    // Chunk-aware clients stay under the request limit (as cloudflare/serverless-registry advertises).
    'oci-chunk-max-length': String(context.services.config.maxRequestBodyBytes),
  };
}

function blobCreated(context: RouteContext, name: string, digest: string) {
  return empty(201, { location: context.services.locations.blob(name, digest), 'docker-content-digest': digest });
}

/** The request's body: streamed where the service reads it as it arrives, else as API Gateway delivered it. */
function bodyOf(context: RouteContext): UploadBody {
  const { body, bodyStream, headers } = context.request;
  if (!bodyStream) return { bytes: body };
  const length = Number(headers['content-length']);
  return { bytes: bodyStream, ...(headers['content-length'] !== undefined && Number.isSafeInteger(length) ? { length } : {}) };
}

/** Content-Range as the spec writes it (`0-99`), also accepting `bytes 0-99/100` and `bytes=0-99`. */
export function parseContentRange(value: string | undefined): ByteRange | undefined | 'invalid' {
  if (value === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(value.trim());
  if (!match) return 'invalid';
  const range = { start: Number(match[1]), end: Number(match[2]) };
  return range.end < range.start ? 'invalid' : range;
}

function digestList(context: RouteContext): string[] {
  const digests = context.request.query.getAll('digest');
  if (digests.length === 0) {
    throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
  }
  const invalid = digests.find((digest) => !isValidDigest(digest) || !digest.startsWith('sha256:'));
  if (invalid !== undefined) {
    throw new RegistryError('DIGEST_INVALID', `${JSON.stringify(invalid)} is not a sha256 digest; Berth verifies uploads with sha256`, { digest: invalid });
  }
  if (new Set(digests).size > 1) {
    throw new RegistryError('DIGEST_INVALID', `the digests given (${digests.join(', ')}) cannot all match one blob`);
  }
  return digests;
}

/**
 * A chunk that does not continue the upload answers 416 with the current Range,
 * so the client can resume from it.
 */
async function withResumeHint<T>(context: RouteContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const conflict = error instanceof UploadConflictError;
    if (!conflict && !(error instanceof RegistryError && error.kind === 'RANGE_INVALID')) throw error;
    const session = await context.services.uploads.status(repositoryName(context), context.params.session!);
    const message = conflict ? 'another request is writing this upload; resume from the returned Range' : error.message;
    throw new RegistryError('RANGE_INVALID', message, undefined, await sessionHeaders(context, session));
  }
}

function requireRange(context: RouteContext): ByteRange | undefined {
  const range = parseContentRange(context.request.headers['content-range']);
  if (range === 'invalid') {
    throw new RegistryError('RANGE_INVALID', `Content-Range ${JSON.stringify(context.request.headers['content-range'])} is not of the form <start>-<end>`);
  }
  return range;
}

/** POST: starts an upload, uploads a whole blob (`?digest=`), or mounts one (`?mount=`). */
export const startUpload: RouteHandler = async (context) => {
  const name = repositoryName(context);
  const { query, body } = context.request;
  const { uploads, repositories } = context.services;
  const mount = query.get('mount');
  const mounting = mount !== null && isValidDigest(mount);
  const whole = !mounting && query.has('digest') ? digestList(context)[0]! : undefined;
  await context.services.pullThrough?.refusePush(name);
  // Checked before create-on-push makes the repository: a refused request leaves none behind.
  await repositories.requireForPush(name, whole === undefined ? undefined : async () => checkWhole(whole, body));

  if (mounting) {
    const from = query.get('from') ?? undefined;
    if (from === undefined || isValidName(from)) {
      const link = await uploads.mount(name, mount, from, (source) => context.may('ecr:BatchGetImage', source));
      if (link) return blobCreated(context, name, link.digest);
    }
    // The spec falls back to a plain upload when a mount cannot be done.
  } else if (whole !== undefined) {
    const link = await uploads.putWhole(name, whole, body);
    return blobCreated(context, name, link.digest);
  }
  const session = await uploads.start(name);
  return empty(202, await sessionHeaders(context, session));
};

/** GET: the upload's progress. */
export const uploadStatus: RouteHandler = async (context) => {
  const session = await context.services.uploads.status(repositoryName(context), context.params.session!);
  return empty(204, await sessionHeaders(context, session));
};

/** PATCH: a chunk (with Content-Range) or a stream of the whole blob. */
export const appendChunk: RouteHandler = async (context) => {
  const session = await withResumeHint(context, () => context.services.uploads.append(
    repositoryName(context), context.params.session!, bodyOf(context), requireRange(context),
  ));
  return empty(202, await sessionHeaders(context, session));
};

/** PUT ?digest=: completes the upload, with or without a final chunk. */
export const finishUpload: RouteHandler = async (context) => {
  const [digest] = digestList(context);
  const name = repositoryName(context);
  const link = await withResumeHint(context, () => context.services.uploads.finish(
    name, context.params.session!, digest!, bodyOf(context), requireRange(context),
  ));
  return blobCreated(context, name, link.digest);
};

/** DELETE: cancels the upload and drops what it received. */
export const cancelUpload: RouteHandler = async (context) => {
  await context.services.uploads.cancel(repositoryName(context), context.params.session!);
  return empty(204);
};
