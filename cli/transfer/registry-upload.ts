import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import { formatBytes } from '../output.js';
import { CliError } from '../errors.js';
import { BlobReader } from './blob-reader.js';
import { sendStream, type Answer } from './http-send.js';
import { ociErrorOf } from './oci-errors.js';
import type { BlobSource } from './plan.js';
import type { Progress } from './progress.js';

/**
 * A blob too large for one presigned PUT, pushed through the registry's OCI
 * upload API. With an upload gateway (the session's Location is on another
 * host) the whole blob goes in one streamed PATCH, which the gateway hashes as
 * it stores: completing reads nothing back. Without one, it goes in chunks of
 * at most the API's request limit. Either way, after a dropped connection the
 * upload resumes from the Range the registry kept, a bounded number of times.
 */

export interface RetryPolicy {
  /** Failed requests in a row after which the upload gives up. */
  retries: number;
  /** The wait before the first retry, doubled for each next one (up to MAX_WAIT_MS) unless the registry sends Retry-After. */
  firstWaitMs: number;
}

export interface UploadTarget {
  registryUrl: string;
  repository: string;
  /** The registry credentials, sent to the registry's own host only. */
  authorization: string;
}

const MAX_WAIT_MS = 30_000;

/** Statuses after which the same request may succeed later: the registry was busy or failed, or the upload moved on. */
const RETRIED = new Set([408, 416, 429, 500, 502, 503, 504]);

interface Session {
  location: URL;
  /** Sent along on every request of the session: credentials for the API, none for the gateway. */
  headers: Record<string, string>;
  /** Bytes per PATCH; the whole blob through a gateway. */
  chunkBytes: number;
  gateway: boolean;
}

export async function pushThroughRegistry(blob: BlobSource, target: UploadTarget, retry: RetryPolicy, progress: Progress, signal: AbortSignal): Promise<void> {
  const session = await startSession(blob, target, signal);
  if (!session.gateway) {
    progress.event(blob.digest, `the registry has no upload gateway: sending ${formatBytes(blob.size)} in chunks of ${formatBytes(session.chunkBytes)}; a registry with the upload gateway takes such layers faster`);
  }
  const reader = new BlobReader(blob, signal, (bytes) => progress.advance(blob.digest, bytes));
  try {
    await reader.seek(0);
    await upload(blob, session, reader, retry, progress, signal);
  } finally {
    await reader.close();
  }
}

async function startSession(blob: BlobSource, target: UploadTarget, signal: AbortSignal): Promise<Session> {
  const registry = new URL(target.registryUrl);
  const response = await fetch(new URL(`/v2/${target.repository}/blobs/uploads/`, registry), {
    method: 'POST', headers: { authorization: target.authorization }, signal,
  });
  const text = await response.text();
  const location = response.headers.get('location');
  if (response.status !== 202 || !location) throw refusal(blob, { status: response.status, headers: {}, text });
  const url = new URL(location, registry);
  const gateway = url.origin !== registry.origin;
  const advertised = Number(response.headers.get('oci-chunk-max-length'));
  return {
    location: url,
    headers: gateway ? {} : { authorization: target.authorization },
    chunkBytes: gateway ? blob.size : Number.isSafeInteger(advertised) && advertised > 0 ? advertised : MAX_REQUEST_BODY_BYTES,
    gateway,
  };
}

/** PATCHes from where the registry's Range says, then PUT ?digest=; a failed request is retried after a status GET. */
async function upload(blob: BlobSource, session: Session, reader: BlobReader, retry: RetryPolicy, progress: Progress, signal: AbortSignal): Promise<void> {
  let offset = 0;
  let failures = 0;
  let resuming = false;
  for (;;) {
    let answer: Answer | undefined;
    let failure: string;
    try {
      if (resuming) answer = await send('GET', session, signal);
      else if (offset < blob.size) answer = await patch(session, reader, Math.min(session.chunkBytes, blob.size - offset), signal);
      else answer = await send('PUT', session, signal, blob.digest);
      failure = answer ? `HTTP ${answer.status}${describe(answer)}` : '';
    } catch (error) {
      // The source failing, or the push being stopped, is no reason to retry.
      if (signal.aborted || error instanceof CliError) throw error;
      failure = `the connection failed (${(error as Error).cause ? String((error as Error).cause) : (error as Error).message})`;
    }
    if (answer && answer.status < 300) {
      if (answer.headers.location) session.location = new URL(answer.headers.location, session.location);
      if (offset >= blob.size && !resuming) return;
      const kept = receivedOf(answer);
      if (resuming) {
        progress.event(blob.digest, `resuming from byte ${kept} of ${blob.size}`, kept);
        resuming = false;
      } else {
        failures = 0;
      }
      if (kept !== reader.position) await reader.seek(kept);
      offset = kept;
      // All sent: the source must hold nothing more before the registry is asked to complete.
      if (offset >= blob.size) await reader.end();
      continue;
    }
    if (answer && !RETRIED.has(answer.status)) throw refusal(blob, answer);
    failures += 1;
    if (failures > retry.retries) {
      throw new CliError('UploadInterrupted', `the upload of blob ${blob.digest} stopped at byte ${offset} of ${blob.size}: ${failure}, ${failures} times in a row`,
        'run the push again: blobs already pushed are skipped');
    }
    progress.event(blob.digest, `${failure}; retry ${failures} of ${retry.retries}`);
    const after = Number(answer?.headers['retry-after']);
    await sleep(after > 0 ? after * 1000 : Math.min(retry.firstWaitMs * 2 ** (failures - 1), MAX_WAIT_MS), undefined, { signal });
    resuming = true;
  }
}

/**
 * A chunk, through a gateway the whole rest of the blob. Content-Range even on
 * the first: the registry then keeps the chunk in parts with their hash state,
 * so a dropped connection loses at most one part, and a resumed PATCH whose
 * start no longer matches is refused (416) rather than appended.
 */
function patch(session: Session, reader: BlobReader, length: number, signal: AbortSignal): Promise<Answer> {
  const start = reader.position;
  const headers = { ...session.headers, 'content-range': `${start}-${start + length - 1}`, 'content-type': 'application/octet-stream' };
  return sendStream('PATCH', session.location.href, headers, reader.take(length), length, signal);
}

/** The status GET, or the final PUT ?digest=: requests without a body. */
function send(method: 'GET' | 'PUT', session: Session, signal: AbortSignal, digest?: string): Promise<Answer> {
  const url = new URL(session.location);
  if (digest) url.searchParams.set('digest', digest);
  return sendStream(method, url.href, session.headers, new ReadableStream({ start: (controller) => controller.close() }), 0, signal);
}

/** The bytes the registry holds, from its inclusive Range ("0-0" also stands for none, as distribution answers). */
function receivedOf(answer: Answer): number {
  const match = /^0-(\d+)$/.exec(String(answer.headers.range ?? ''));
  if (!match) throw new CliError('UnexpectedResponse', `the registry answered an upload without a Range header (HTTP ${answer.status})`);
  const end = Number(match[1]);
  return end === 0 ? 0 : end + 1;
}

function describe(answer: Answer): string {
  const { code, detail } = ociErrorOf(answer.text);
  return code ? ` ${code}: ${detail}` : '';
}

function refusal(blob: BlobSource, answer: Answer): CliError {
  const { code, detail } = ociErrorOf(answer.text);
  if (code === 'DIGEST_INVALID') {
    return new CliError('DigestMismatch', `blob ${blob.digest} is corrupt: the registry found its bytes do not have that digest (${detail}); nothing was pushed`);
  }
  if (code === 'BLOB_UPLOAD_UNKNOWN') {
    return new CliError(code, `the registry no longer knows the upload of blob ${blob.digest}: ${detail}`, 'run the push again: blobs already pushed are skipped');
  }
  return new CliError(code ?? `HTTP${answer.status}`, `the registry refused the upload of blob ${blob.digest} (HTTP ${answer.status}): ${detail.slice(0, 500)}`);
}
