import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { UploadService } from '../registry/blobs/upload-service.js';
import { FOREIGN_LAYER_TYPES } from '../registry/media-types.js';
import { parseManifest } from '../registry/manifest.js';
import type { ManifestService } from '../registry/manifests/manifest-service.js';
import type { UpstreamRegistry } from '../shared/upstream/registry-client.js';
import type { CacheRuleStore } from '../store/cache-rule-store.js';
import { ImmutableTagError } from '../store/errors.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { HeldManifests } from './held-manifests.js';
import type { PullThroughJob } from './jobs.js';
import { ruleFor } from './rules.js';
import { openUpstream } from './upstream.js';
import { fromUpstream, refusal } from './upstream-errors.js';
import type { ParsedFetch } from './upstream-manifests.js';
import type { UpstreamSecrets } from './upstream-secrets.js';

/** Blobs of one image stored at once. */
const BLOBS_AT_ONCE = 4;

export interface ImportDeps {
  store: MetadataStore;
  rules: CacheRuleStore;
  held: HeldManifests;
  uploads: UploadService;
  manifests: ManifestService;
  secrets: UpstreamSecrets;
}

/**
 * The cache's background work. A blob goes from the upstream into the bucket
 * through the upload service, which hashes it as it streams and makes it
 * visible only when its digest matches; an image's blobs are stored first,
 * then its manifests, children before their index, which makes it an image of
 * the repository as a push would (lifecycle policies, garbage collection and
 * events then treat it as any other). Running a job twice does no harm.
 */
export class ImageImport {
  constructor(private readonly deps: ImportDeps) {}

  async run(job: PullThroughJob): Promise<void> {
    const upstream = await this.upstreamOf(job.repository);
    // A rule deleted since: what is cached stays, and nothing more comes from the upstream.
    if (!upstream) return;
    if (job.kind === 'blob') await this.storeBlob(upstream, job.repository, job.digest, job.size);
    else await this.storeImage(upstream, job.repository, job.digest, job.tag);
  }

  private async upstreamOf(repository: string): Promise<UpstreamRegistry | undefined> {
    const rule = ruleFor(repository, await this.deps.rules.listRules());
    return rule && openUpstream(rule, repository, this.deps.secrets);
  }

  private async storeImage(upstream: UpstreamRegistry, repository: string, digest: string, tag: string | undefined): Promise<void> {
    const { held, manifests, store } = this.deps;
    const order = await this.heldTree(repository, digest);
    const blobs = new Map<string, number>();
    for (const manifest of order) {
      for (const blob of manifest.parsed.blobs) if (!FOREIGN_LAYER_TYPES.includes(blob.mediaType)) blobs.set(blob.digest, blob.size);
    }
    const queue = [...blobs];
    await Promise.all(Array.from({ length: BLOBS_AT_ONCE }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.storeBlob(upstream, repository, next[0], next[1]);
    }));
    const record = await store.getRepository(repository);
    if (!record) return;
    for (const manifest of order) {
      const tags = manifest.digest === digest && tag !== undefined ? [tag] : [];
      try {
        await manifests.push(record, manifest.parsed, manifest.bytes, tags);
      } catch (error) {
        // An immutable repository keeps the image its tag named first; the new one is stored untagged.
        if (!(error instanceof ImmutableTagError)) throw error;
        await manifests.push(record, manifest.parsed, manifest.bytes, []);
      }
    }
    for (const manifest of order) await held.release(repository, manifest.digest);
  }

  /** The held manifest and, for an index, the manifests it lists, children first; those already stored are left out. */
  private async heldTree(repository: string, digest: string): Promise<ParsedFetch[]> {
    const fetched = await this.deps.held.get(repository, digest);
    if (!fetched) return [];
    const parsed = parseManifest(fetched.bytes, fetched.mediaType);
    const children: ParsedFetch[] = [];
    for (const child of parsed.children) children.push(...await this.heldTree(repository, child.digest));
    return [...children, { ...fetched, parsed }];
  }

  async storeBlob(upstream: UpstreamRegistry, repository: string, digest: string, size: number | undefined): Promise<void> {
    const { store, uploads } = this.deps;
    if (await store.getBlobLink(repository, digest)) return;
    const existing = await store.getBlob(digest);
    if (existing) {
      await store.linkBlob(repository, { digest, size: existing.size, objectKey: existing.objectKey });
      return;
    }
    const where = `${upstream.target.host}/${upstream.target.repository}`;
    const response = await fromUpstream(upstream.target.host, () => upstream.get(`/blobs/${digest}`));
    if (!response.ok || !response.body) throw await refusal(response, where, `blob ${digest}`);
    const declared = Number(response.headers.get('content-length') ?? size);
    const session = await uploads.start(repository);
    try {
      const bytes = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
      await uploads.finish(repository, session.id, digest, { bytes, ...(Number.isSafeInteger(declared) ? { length: declared } : {}) }, undefined);
    } catch (error) {
      await uploads.discard(session).catch(() => undefined);
      throw error;
    }
  }
}
