import { BatchCheckLayerAvailabilityCommand } from '@aws-sdk/client-ecr';
import { ApiError, type BerthApi } from '../berth-api.js';
import type { Ecr } from '../command.js';
import { CliError } from '../errors.js';
import type { RegistryTarget } from '../registry.js';
import { putToStorage } from './direct-upload.js';
import { ociErrorOf } from './oci-errors.js';
import type { BlobSource, ManifestEntry, TransferPlan } from './plan.js';
import type { Progress } from './progress.js';
import { pushThroughRegistry, type RetryPolicy } from './registry-upload.js';

/**
 * Pushes a plan into Berth: blobs straight to S3 through presigned URLs
 * (InitiateBlobUpload, PUT, CompleteBlobUpload), or, above what one PUT
 * takes, through the registry's upload API; those it has not skipped, a few
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
  /** How an upload through the registry's upload API retries after a failed request. */
  retry: RetryPolicy;
}

type Plan =
  | { status: 'EXISTS'; digest: string }
  | { status: 'UPLOAD'; uploadId: string; put: { url: string; headers: Record<string, string> } }
  /** Refused as larger than one presigned PUT takes (LimitExceededException): the registry's upload API takes it. */
  | { status: 'TOO_LARGE' };

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

  // Registry credentials, for the upload API and the manifests; fetched once, when first needed.
  let credentials: Promise<string> | undefined;
  const authorization = () => (credentials ??= clients.api.loginToken({ pullOnly: false })
    .then(({ password }) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`));

  await inParallel(pending, options.concurrency, async (blob, signal) => {
    const start = await initiate(clients.api, repository, blob);
    if (start.status === 'EXISTS') {
      skipped.push(blob.digest);
      progress.finish(blob.digest, 'exists');
      return;
    }
    progress.start(blob.digest, blob.size);
    try {
      if (start.status === 'TOO_LARGE') {
        const target = { registryUrl: destination.registry.url, repository, authorization: await authorization() };
        await pushThroughRegistry(blob, target, options.retry, progress, signal);
      } else {
        await putToStorage(blob, start.put, signal, progress);
        await clients.api.call('CompleteBlobUpload', { repositoryName: repository, uploadId: start.uploadId });
      }
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

  for (const manifest of plan.manifests) {
    if (manifest === plan.top && destination.tag !== undefined) continue;
    await putManifest(destination, manifest, manifest.digest, await authorization());
    progress.note(`manifest ${manifest.digest}: pushed`);
  }
  if (destination.tag !== undefined) {
    await putManifest(destination, plan.top, destination.tag, await authorization());
    progress.note(`${destination.tag}: ${plan.top.digest}`);
  }
  return { digest: plan.top.digest, uploaded, skipped, bytes, seconds: (Date.now() - started) / 1000 };
}

/** How the registry takes the blob: not at all (it has it), by a presigned PUT, or through its upload API. */
async function initiate(api: BerthApi, repositoryName: string, blob: BlobSource): Promise<Plan> {
  try {
    return (await api.call('InitiateBlobUpload', { repositoryName, digest: blob.digest, size: blob.size })) as Plan;
  } catch (error) {
    if (error instanceof ApiError && error.name === 'LimitExceededException') return { status: 'TOO_LARGE' };
    throw error;
  }
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

async function putManifest(destination: Destination, manifest: ManifestEntry, reference: string, authorization: string): Promise<void> {
  const url = `${destination.registry.url}/v2/${destination.repository}/manifests/${reference}`;
  const response = await fetch(url, { method: 'PUT', headers: { authorization, 'content-type': manifest.mediaType }, body: manifest.bytes });
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const { code, detail } = ociErrorOf(await response.text());
  const what = reference === manifest.digest ? `manifest ${manifest.digest}` : `${reference} (${manifest.digest})`;
  throw new CliError(code ?? `HTTP${response.status}`, `the registry refused ${what} (HTTP ${response.status}): ${detail.slice(0, 500)}`,
    /immutable/i.test(detail) ? `push under another tag; the blobs are in the repository, so that sends only the manifest` : undefined);
}
