import { RegistryError } from '../registry/errors.js';
import { isDigestReference, isValidDigest, isValidTag } from '../registry/grammar.js';
import type { ManifestService, ResolvedManifest } from '../registry/manifests/manifest-service.js';
import type { HttpResponse } from '../shared/http/types.js';
import type { BlobStore } from '../store/blob-store.js';
import type { CacheRuleRecord, CacheRuleStore, UpstreamTagRecord } from '../store/cache-rule-store.js';
import { settingsFromTemplate, templateFor } from '../store/creation-templates.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { Repositories } from '../registry/repositories.js';
import type { BlobLink } from '../store/records.js';
import { newRepository } from '../store/repository-defaults.js';
import type { TemplateStore } from '../store/template-store.js';
import type { PullThroughConfig } from './config.js';
import type { HeldManifests } from './held-manifests.js';
import type { JobDispatch } from './jobs.js';
import { pushRefusal, ruleFor } from './rules.js';
import { openUpstream } from './upstream.js';
import { fromUpstream, refusal, registryErrorOf, UpstreamError } from './upstream-errors.js';
import { fetchImage, upstreamDigest } from './upstream-manifests.js';
import type { UpstreamSecrets } from './upstream-secrets.js';

export interface PullThroughDeps {
  store: MetadataStore;
  repositories: Repositories;
  templates: TemplateStore;
  blobs: BlobStore;
  rules: CacheRuleStore;
  held: HeldManifests;
  manifests: ManifestService;
  secrets: UpstreamSecrets;
  jobs: JobDispatch;
  config: PullThroughConfig;
  downloadUrlSeconds: number;
  now: () => Date;
  /** How long to pause between looks at a blob being stored. */
  pollMs?: number;
}

/**
 * The pull side of pull-through cache rules: what the registry's manifest and
 * blob reads do in a repository a rule covers when the image is not cached, or
 * a cached tag is due for a check upstream. Which repositories rules cover is
 * read from the rules as the store remembers them (RememberedCacheRules), so
 * other repositories' reads cost what they cost without the cache.
 */
export class PullThroughCache {
  constructor(private readonly deps: PullThroughDeps) {}

  /**
   * A manifest by tag or digest: the stored one; else one held while its image is
   * being stored; else fetched from the upstream. A cached tag is checked upstream
   * at most once per refresh interval, and served as cached when the upstream is
   * down or refuses.
   */
  async resolve(repository: string, reference: string, mayImport: MayImport): Promise<ResolvedManifest> {
    const { manifests } = this.deps;
    const isTag = !isDigestReference(reference) && isValidTag(reference);
    // A repository no rule covers is read as any other: its tag's upstream record would only cost a read.
    if ((!isTag && !isValidDigest(reference)) || !await this.ruleOf(repository)) return manifests.resolve(repository, reference);
    const [stored, upstreamTag] = await Promise.all([
      storedOrMissing(manifests, repository, reference),
      isTag ? this.deps.rules.getUpstreamTag(repository, reference) : undefined,
    ]);
    if (!isTag) return stored ?? await this.deps.held.resolve(repository, reference) ?? this.fromUpstream(repository, reference, mayImport);
    if (stored && !upstreamTag) return stored;
    const cached = upstreamTag && (stored?.digest === upstreamTag.digest ? stored : await this.deps.held.resolve(repository, upstreamTag.digest));
    if (cached && this.isFresh(upstreamTag)) return cached;
    return this.fromUpstream(repository, reference, mayImport, cached ?? stored);
  }

  /**
   * A blob the repository does not hold yet, or undefined when no rule covers the repository.
   * Layer bytes never pass through the registry function, so the first pull of a blob is:
   * - a redirect to the upstream's own download URL when the upstream redirects its blob GETs
   *   (Docker Hub, GHCR and Quay send them to a CDN with a signed URL), while a job stores the blob;
   * - otherwise (an upstream that serves bytes itself) a wait for the job to store it in the bucket,
   *   then the usual redirect to S3. Should the job take longer than the wait, the client is sent
   *   back to ask again (a redirect to the same URL), each round within API Gateway's 30 s: storing
   *   first costs the first client a wait, but never passes bytes through Lambda nor hands the
   *   client the upstream's credentials. Clients follow up to 10 redirects, so a blob the job
   *   stores in under 10 waits is pulled on the first try.
   */
  async blob(repository: string, digest: string, method: 'GET' | 'HEAD', mayImport: MayImport): Promise<HttpResponse | undefined> {
    const rule = await this.ruleOf(repository);
    if (!rule) return undefined;
    if (!await mayImport()) throw importDenied(repository);
    const upstream = openUpstream(rule, repository, this.deps.secrets);
    const where = `${upstream.target.host}/${upstream.target.repository}`;
    try {
      const response = await fromUpstream(upstream.target.host, () => upstream.get(`/blobs/${digest}`, {}, { method, redirect: method === 'GET' ? 'manual' : 'follow' }));
      await response.body?.cancel();
      const location = response.headers.get('location');
      const redirected = response.status >= 300 && response.status < 400 && location !== null;
      if (!response.ok && !redirected) throw await refusal(response, where, `blob ${digest}`);
      const size = Number(response.headers.get('content-length') ?? undefined);
      if (method === 'HEAD' && !redirected) return blobHead(digest, size);
      await this.deps.jobs({ kind: 'blob', repository, digest, ...(Number.isSafeInteger(size) && !redirected ? { size } : {}) });
      if (redirected) return { status: 307, headers: { 'content-length': '0', location: new URL(location, upstream.target.url).href, 'docker-content-digest': digest } };
      const link = await this.waitForBlob(repository, digest);
      if (!link) return { status: 307, headers: { 'content-length': '0', location: `/v2/${repository}/blobs/${digest}`, 'retry-after': '1' } };
      const url = await this.deps.blobs.presignGet(link.objectKey, this.deps.downloadUrlSeconds);
      return { status: 307, headers: { 'content-length': '0', location: url, 'docker-content-digest': digest } };
    } catch (error) {
      if (error instanceof UpstreamError) throw registryErrorOf(error, 'BLOB_UNKNOWN');
      throw error;
    }
  }

  /** Pushes into a cache repository are refused, as ECR refuses them: its images come from the upstream only. */
  async refusePush(repository: string): Promise<void> {
    const rule = await this.ruleOf(repository);
    if (!rule) return;
    throw new RegistryError('DENIED', pushRefusal(repository, rule), { name: repository });
  }

  private isFresh(record: UpstreamTagRecord): boolean {
    return this.deps.now().getTime() - Date.parse(record.checkedAt) < this.deps.config.refreshSeconds * 1000;
  }

  private async ruleOf(repository: string): Promise<CacheRuleRecord | undefined> {
    return ruleFor(repository, await this.deps.rules.listRules());
  }

  /** Asks the upstream; `cached` is what to serve when it cannot answer, or the caller may not import. */
  private async fromUpstream(repository: string, reference: string, mayImport: MayImport, cached?: ResolvedManifest): Promise<ResolvedManifest> {
    const rule = await this.ruleOf(repository);
    if (!rule) return cached ?? this.deps.manifests.resolve(repository, reference);
    if (!await mayImport()) {
      if (cached) return cached;
      throw importDenied(repository);
    }
    const upstream = openUpstream(rule, repository, this.deps.secrets);
    const isTag = !isDigestReference(reference);
    try {
      if (cached && isTag && await upstreamDigest(upstream, reference) === cached.digest) {
        await this.deps.rules.putUpstreamTag(repository, { tag: reference, digest: cached.digest, checkedAt: this.deps.now().toISOString() });
        return cached;
      }
      const image = await fetchImage(upstream, reference);
      const top = image.at(-1)!;
      await this.ensureRepository(repository);
      for (const manifest of image) await this.deps.held.hold(repository, manifest);
      if (isTag) await this.deps.rules.putUpstreamTag(repository, { tag: reference, digest: top.digest, checkedAt: this.deps.now().toISOString() });
      await this.deps.jobs({ kind: 'image', repository, digest: top.digest, ...(isTag ? { tag: reference } : {}) });
      return { digest: top.digest, mediaType: top.mediaType, size: top.bytes.length, body: async () => top.bytes };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (cached) return cached;
      throw registryErrorOf(error, 'MANIFEST_UNKNOWN');
    }
  }

  /** The repository of a first pull, created as ECR creates it: with the creation template for PULL_THROUGH_CACHE. */
  private async ensureRepository(repository: string): Promise<void> {
    const { store, templates, repositories, now } = this.deps;
    if (await store.getRepository(repository)) return;
    const template = templateFor(repository, await templates.listTemplates(), 'PULL_THROUGH_CACHE');
    // A concurrent first pull may create it too; either record will do. Created as any other repository is, and announced.
    await repositories.create(newRepository(repository, now(), template && settingsFromTemplate(template)));
  }

  private async waitForBlob(repository: string, digest: string): Promise<BlobLink | undefined> {
    const deadline = Date.now() + this.deps.config.blobWaitSeconds * 1000;
    for (;;) {
      const link = await this.deps.store.getBlobLink(repository, digest);
      if (link || Date.now() >= deadline) return link;
      await new Promise((resolve) => setTimeout(resolve, this.deps.pollMs ?? 250));
    }
  }
}

/** The ECR action a pull needs, beside the pull's own, to bring an image (or a newer tag) from the upstream, as in ECR. */
export const IMPORT_ACTION = 'ecr:BatchImportUpstreamImage';

/** Whether the caller may perform IMPORT_ACTION on the repository; asked only when the upstream is. */
export type MayImport = () => Promise<boolean>;

function importDenied(repository: string): RegistryError {
  return new RegistryError('DENIED', `not authorized to perform ${IMPORT_ACTION} on repository ${repository}: `
    + 'the image is not cached yet, and bringing it from the upstream registry needs that permission', { action: IMPORT_ACTION, repository });
}

/** The stored manifest, or undefined when the repository (or the manifest) is not there. */
async function storedOrMissing(manifests: ManifestService, repository: string, reference: string): Promise<ResolvedManifest | undefined> {
  try {
    return await manifests.resolve(repository, reference);
  } catch (error) {
    if (error instanceof RegistryError && (error.kind === 'MANIFEST_UNKNOWN' || error.kind === 'NAME_UNKNOWN')) return undefined;
    throw error;
  }
}

function blobHead(digest: string, size: number): HttpResponse {
  return {
    status: 200,
    headers: {
      ...(Number.isSafeInteger(size) ? { 'content-length': String(size) } : {}),
      'content-type': 'application/octet-stream',
      'docker-content-digest': digest,
      etag: `"${digest}"`,
    },
  };
}
