import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { BatchCheckLayerAvailabilityCommand } from '@aws-sdk/client-ecr';
import { ApiError, type BerthApi } from '../berth-api.js';
import type { Ecr } from '../command.js';
import { CliError } from '../errors.js';
import type { RegistryTarget } from '../registry.js';
import type { BlobSource, ManifestEntry, TransferPlan } from './plan.js';
import type { Progress } from './progress.js';

/**
 * Pushes a plan into Berth: blobs straight to S3 through presigned URLs
 * (InitiateBlobUpload, PUT, CompleteBlobUpload), those it has skipped, a few
 * at a time and streamed; then the manifests through /v2/, the tag last.
 */

export interface Destination {
  registry: RegistryTarget;
  repository: string;
  /** A tag, or undefined to push by digest only. */
  tag: string | undefined;
}

export interface PushOutcome {
  digest: string;
  uploaded: string[];
  skipped: string[];
  bytes: number;
  seconds: number;
}

export interface PushOptions {
  concurrency: number;
  progress: Progress;
}

type Plan =
  | { status: 'EXISTS'; digest: string }
  | { status: 'UPLOAD'; uploadId: string; put: { url: string; headers: Record<string, string> } }
  | { status: 'UPLOAD'; uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] };

export async function executePush(plan: TransferPlan, destination: Destination, clients: { ecr: Ecr; api: BerthApi }, options: PushOptions): Promise<PushOutcome> {
  const started = Date.now();
  const { repository } = destination;
  const { progress } = options;
  const existing = await availableLayers(clients.ecr, repository, plan.blobs.map((blob) => blob.digest));
  const uploaded: string[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  const pending: BlobSource[] = [];
  for (const blob of plan.blobs) {
    if (existing.has(blob.digest)) {
      skipped.push(blob.digest);
      progress.finish(blob.digest, 'exists');
    } else {
      pending.push(blob);
    }
  }

  await inParallel(pending, options.concurrency, async (blob, signal) => {
    const start = (await clients.api.call('InitiateBlobUpload', { repositoryName: repository, digest: blob.digest, size: blob.size })) as Plan;
    if (start.status === 'EXISTS') {
      skipped.push(blob.digest);
      progress.finish(blob.digest, 'exists');
      return;
    }
    progress.start(blob.digest, blob.size);
    try {
      const parts = 'put' in start
        ? (await putBlob(blob, start.put, signal, progress), undefined)
        : await putParts(blob, start.partSize, start.parts, signal, progress);
      await clients.api.call('CompleteBlobUpload', { repositoryName: repository, uploadId: start.uploadId, ...(parts ? { parts } : {}) });
    } catch (error) {
      progress.finish(blob.digest, 'failed');
      if (error instanceof ApiError && error.name === 'InvalidLayerException') {
        throw new CliError('InvalidLayerException', `the registry refused blob ${blob.digest}: ${error.message}`);
      }
      throw error;
    }
    uploaded.push(blob.digest);
    bytes += blob.size;
    progress.finish(blob.digest, 'pushed');
  });

  const credentials = await clients.api.loginToken({ pullOnly: false });
  const authorization = `Basic ${Buffer.from(`AWS:${credentials.password}`).toString('base64')}`;
  for (const manifest of plan.manifests) {
    if (manifest === plan.top && destination.tag !== undefined) continue;
    await putManifest(destination, manifest, manifest.digest, authorization);
    progress.note(`manifest ${manifest.digest}: pushed`);
  }
  if (destination.tag !== undefined) {
    await putManifest(destination, plan.top, destination.tag, authorization);
    progress.note(`${destination.tag}: ${plan.top.digest}`);
  }
  return { digest: plan.top.digest, uploaded, skipped, bytes, seconds: (Date.now() - started) / 1000 };
}

/** The blobs the repository already has, of those named; none when the repository does not exist yet. */
async function availableLayers(ecr: Ecr, repositoryName: string, digests: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < digests.length; i += 100) {
    try {
      const response = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: digests.slice(i, i + 100) }));
      for (const layer of response.layers ?? []) if (layer.layerAvailability === 'AVAILABLE' && layer.layerDigest) found.add(layer.layerDigest);
    } catch (error) {
      if ((error as Error).name === 'RepositoryNotFoundException') return found;
      throw error;
    }
  }
  return found;
}

/** Runs `task` over `items`, `limit` at a time; the first failure stops new tasks, aborts those running, and is thrown. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item, controller.signal);
      } catch (error) {
        if (!failure) failure = { error };
        controller.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/** Counts and hashes what flows through, reporting progress. */
function meter(blob: BlobSource, progress: Progress, hash?: ReturnType<typeof createHash>): { stream: TransformStream<Uint8Array, Uint8Array>; count: () => number } {
  let count = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      count += chunk.byteLength;
      hash?.update(chunk);
      progress.advance(blob.digest, chunk.byteLength);
      controller.enqueue(chunk);
    },
  });
  return { stream, count: () => count };
}

interface Sent { status: number; etag: string | undefined }

/**
 * A PUT of a stream of known length with node:http, which holds back the
 * stream while the socket is busy; Node 20's fetch reads a streamed body ahead
 * without bound (hundreds of MiB for a large layer).
 */
async function send(url: string, headers: Record<string, string>, body: ReadableStream<Uint8Array>, size: number, signal: AbortSignal): Promise<Sent> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(size) },
    signal,
    agent: target.protocol === 'https:' ? HTTPS_AGENT : HTTP_AGENT,
  });
  const answered = new Promise<{ status: number; etag: string | undefined; text: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk.length + text.length < 64 * 1024 ? chunk : ''));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, etag: response.headers.etag, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
  // A refusal before the body is sent ends the request early; the answer says why.
  await Promise.all([pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), request).catch(async (error: unknown) => {
    const early = await Promise.race([answered, new Promise<undefined>((resolve) => setTimeout(resolve, 1000, undefined))]).catch(() => undefined);
    if (!early || early.status < 300) throw error;
  }), answered]);
  const { status, etag, text } = await answered;
  if (status < 200 || status >= 300) {
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
    throw new CliError(code ?? `HTTP${status}`, `storage refused the upload (HTTP ${status})${message ? `: ${message}` : ''}`);
  }
  return { status, etag };
}

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });

/**
 * One PUT of the whole blob. Its SHA-256 is signed into the URL and storage
 * checks the bytes against it as it stores them, so the CLI need not hash them too.
 */
async function putBlob(blob: BlobSource, put: { url: string; headers: Record<string, string> }, signal: AbortSignal, progress: Progress): Promise<void> {
  const { stream, count } = meter(blob, progress);
  const body = (await blob.open(signal)).pipeThrough(stream);
  try {
    await send(put.url, put.headers, body, blob.size, signal);
  } catch (error) {
    if (error instanceof CliError && error.name === 'BadDigest') {
      throw new CliError('DigestMismatch', `blob ${blob.digest} is corrupt: storage found its ${count()} bytes do not have that digest; nothing was pushed`);
    }
    throw error;
  }
}

function verify(blob: BlobSource, size: number, digest: string): void {
  if (size !== blob.size || digest !== blob.digest) {
    throw new CliError('DigestMismatch', `blob ${blob.digest} is corrupt: its ${size} bytes have digest ${digest}; nothing was pushed`);
  }
}

/** A blob above 5 GiB in parts, one after another from one stream (a source registry's response cannot be read at offsets). */
async function putParts(blob: BlobSource, partSize: number, parts: { partNumber: number; url: string }[], signal: AbortSignal, progress: Progress): Promise<{ partNumber: number; eTag: string }[]> {
  const hash = createHash('sha256');
  const { stream, count } = meter(blob, progress, hash);
  const reader = (await blob.open(signal)).pipeThrough(stream).getReader();
  let leftover: Uint8Array | undefined;
  const done: { partNumber: number; eTag: string }[] = [];
  for (const part of parts) {
    const length = Math.min(partSize, blob.size - (part.partNumber - 1) * partSize);
    let remaining = length;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (remaining === 0) {
          controller.close();
          return;
        }
        let chunk = leftover;
        leftover = undefined;
        if (!chunk) {
          const read = await reader.read();
          if (read.done) {
            controller.error(new CliError('DigestMismatch', `blob ${blob.digest} ended after ${count()} bytes of ${blob.size}; nothing was pushed`));
            return;
          }
          chunk = read.value;
        }
        if (chunk.byteLength > remaining) {
          leftover = chunk.subarray(remaining);
          chunk = chunk.subarray(0, remaining);
        }
        remaining -= chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const { etag: eTag } = await send(part.url, {}, body, length, signal);
    if (!eTag) throw new CliError('UnexpectedResponse', `storage answered no ETag for part ${part.partNumber} of ${blob.digest}`);
    done.push({ partNumber: part.partNumber, eTag });
  }
  const extra = leftover ?? (await reader.read()).value;
  await reader.cancel();
  if (extra) throw new CliError('DigestMismatch', `blob ${blob.digest} is longer than its ${blob.size} bytes; nothing was pushed`);
  verify(blob, count(), `sha256:${hash.digest('hex')}`);
  return done;
}

async function putManifest(destination: Destination, manifest: ManifestEntry, reference: string, authorization: string): Promise<void> {
  const url = `${destination.registry.url}/v2/${destination.repository}/manifests/${reference}`;
  const response = await fetch(url, { method: 'PUT', headers: { authorization, 'content-type': manifest.mediaType }, body: manifest.bytes });
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const text = await response.text();
  let detail = text;
  let code: string | undefined;
  try {
    const errors = (JSON.parse(text) as { errors?: { code: string; message: string }[] }).errors ?? [];
    if (errors.length) {
      code = errors[0]!.code;
      detail = errors.map((error) => error.message).join('; ');
    }
  } catch {
    // not the registry's JSON
  }
  const what = reference === manifest.digest ? `manifest ${manifest.digest}` : `${reference} (${manifest.digest})`;
  throw new CliError(code ?? `HTTP${response.status}`, `the registry refused ${what} (HTTP ${response.status}): ${detail.slice(0, 500)}`,
    /immutable/i.test(detail) ? `push under another tag; the blobs are in the repository, so that sends only the manifest` : undefined);
}
