import { CliError, UsageError } from '../errors.js';
import { isLocalHost } from '../../lambdas/shared/upstream/loopback.js';
import { UpstreamAuthError, UpstreamRegistry } from '../../lambdas/shared/upstream/registry-client.js';
import {
  isIndex, MANIFEST_ACCEPT, manifestMediaType, parseManifest, sha256Of,
  type BlobSource, type Descriptor, type ManifestEntry, type TransferPlan,
} from './plan.js';

/**
 * A registry `berth copy` reads from, through the distribution API: anonymous,
 * with a bearer token from the realm its WWW-Authenticate names (Docker Hub,
 * GHCR), or Basic; plain HTTP for this machine, as docker allows.
 */

export interface ImageReference {
  /** host[:port] as written, docker.io for Docker Hub. */
  host: string;
  /** Whether the reference named its registry; docker reads one that does not as Docker Hub's. */
  hostGiven: boolean;
  /** The API's base URL. */
  url: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** host/repo[:tag|@digest] (docker:// optional); a first component without . or : (or localhost) is a Docker Hub repository, as docker reads it. */
export function parseImageReference(value: string): ImageReference {
  let rest = value.replace(/^docker:\/\//, '');
  let scheme: string | undefined;
  const url = /^(https?):\/\/(.*)$/.exec(rest);
  if (url) {
    scheme = url[1];
    rest = url[2]!;
  }
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  let host = 'docker.io';
  const hostGiven = Boolean(scheme || (first && (first.includes('.') || first.includes(':') || first === 'localhost')));
  if (hostGiven) {
    host = first;
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const validName = (name: string) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(name);
  if (host && !validName(rest) && validName(rest.toLowerCase())) {
    throw new UsageError(`repository names are lowercase: '${rest}' in '${value}' is not one; write '${rest.toLowerCase()}'`);
  }
  if (!host || !validName(rest)) {
    throw new UsageError(`'${value}' is not an image reference like registry.example.com/repo:tag`);
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`'${tag}' is not a valid tag`);
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new UsageError(`'${digest}' is not a sha256 digest`);
  const hub = host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
  if (hub && !rest.includes('/')) rest = `library/${rest}`;
  const apiHost = hub ? 'registry-1.docker.io' : host;
  const protocol = scheme ?? (isLocalHost(new URL(`http://${apiHost}`).hostname) ? 'http' : 'https');
  return { host, hostGiven, url: `${protocol}://${apiHost}`, repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Credentials for the source: given with --src-creds, or the registry token of a Berth registry the user logged in to. */
export interface SourceCredentials {
  /** Where they come from, for hints: `--src-creds`, or `your berth login to HOST`. */
  from: string;
  get(): Promise<{ username: string; password: string }>;
}

export class SourceRegistry {
  private readonly upstream: UpstreamRegistry;

  constructor(private readonly image: ImageReference, private readonly credentials?: SourceCredentials) {
    this.upstream = new UpstreamRegistry({ url: image.url, host: image.host, repository: image.repository }, credentials && (() => credentials.get()));
  }

  /** A GET that authenticates as the registry asks on a 401; a refusal of the credentials becomes the CLI's error, with a hint. */
  async get(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.upstream.get(path, headers, signal ? { signal } : {});
    } catch (error) {
      if (!(error instanceof UpstreamAuthError)) throw error;
      const hint = error.problem === 'needs-credentials' ? 'give them with --src-creds USER:PASSWORD'
        : error.problem !== 'token-refused' ? undefined
        : this.credentials ? `check ${this.credentials.from}` : 'give credentials with --src-creds USER:PASSWORD';
      throw new CliError('Unauthorized', error.message, hint);
    }
  }

  /** Why the source did not serve `what`, and what to do about it. */
  private async refusal(response: Response, what: string, unknown: string): Promise<CliError> {
    await response.body?.cancel();
    const where = `${this.image.host}/${this.image.repository}`;
    const { status } = response;
    if (status === 404) return new CliError(unknown, `${where} has no ${what}`);
    if (status === 401 || status === 403) {
      return new CliError('Unauthorized', `${where} refused access to ${what} (HTTP ${status})`,
        this.credentials ? `check that ${this.credentials.from} may pull this repository` : 'give credentials with --src-creds USER:PASSWORD');
    }
    if (status === 429) {
      return new CliError('TooManyRequests', `${this.image.host} limits the pulls it serves, and refused ${what} (HTTP 429)`,
        this.credentials ? 'try again later' : 'sign in with --src-creds USER:PASSWORD (Docker Hub allows signed-in users more pulls), or try again later');
    }
    return new CliError(`HTTP${status}`, `${where} could not serve ${what} (HTTP ${status})`);
  }

  async manifest(reference: string): Promise<ManifestEntry & { parsed: ReturnType<typeof parseManifest> }> {
    const response = await this.get(`/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (!response.ok) throw await this.refusal(response, `manifest ${reference}`, 'ManifestUnknown');
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256Of(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) throw new CliError('DigestMismatch', `${this.image.host} answered manifest ${reference} with bytes of digest ${digest}`);
    const parsed = parseManifest(bytes, `${this.image.host}/${this.image.repository}@${digest}`);
    const header = response.headers.get('content-type')?.split(';')[0]?.trim();
    return { digest, bytes, mediaType: manifestMediaType(parsed, header), parsed };
  }

  /** The manifests that refer to `digest`, or none when the registry has no referrers API. */
  async referrers(digest: string): Promise<Descriptor[]> {
    const response = await this.get(`/referrers/${digest}`, { accept: 'application/vnd.oci.image.index.v1+json' });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) {
      await response.body?.cancel();
      return [];
    }
    try {
      return ((await response.json()) as { manifests?: Descriptor[] }).manifests ?? [];
    } catch {
      return [];
    }
  }

  blob(descriptor: Descriptor): BlobSource {
    return {
      digest: descriptor.digest,
      size: descriptor.size,
      open: async (signal, offset = 0) => {
        const response = await this.get(`/blobs/${descriptor.digest}`, offset > 0 ? { range: `bytes=${offset}-` } : {}, signal);
        if (!response.ok || !response.body) throw await this.refusal(response, `blob ${descriptor.digest}`, 'BlobUnknown');
        const body = response.body as ReadableStream<Uint8Array>;
        // A source that ignores Range sends the whole blob: what comes before the offset is dropped.
        return offset > 0 && response.status !== 206 ? body.pipeThrough(skipping(offset)) : body;
      },
    };
  }
}

/** Drops the first `count` bytes of a stream. */
function skipping(count: number): TransformStream<Uint8Array, Uint8Array> {
  let left = count;
  return new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.byteLength) {
        left -= chunk.byteLength;
        return;
      }
      controller.enqueue(chunk.subarray(left));
      left = 0;
    },
  });
}

/** Everything an image reference reaches: an index's children, config and layers, and referrers, recursively. */
export async function planCopy(source: SourceRegistry, reference: string): Promise<TransferPlan> {
  const blobs = new Map<string, BlobSource>();
  const manifests: ManifestEntry[] = [];
  const seen = new Set<string>();
  const visit = async (ref: string): Promise<ManifestEntry> => {
    const entry = await source.manifest(ref);
    if (seen.has(entry.digest)) return entry;
    seen.add(entry.digest);
    const { parsed } = entry;
    if (isIndex(entry.mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) await visit(child.digest);
    } else {
      for (const descriptor of [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])]) {
        if (descriptor.urls?.length) continue;
        if (!blobs.has(descriptor.digest)) blobs.set(descriptor.digest, source.blob(descriptor));
      }
    }
    manifests.push({ digest: entry.digest, mediaType: entry.mediaType, bytes: entry.bytes });
    for (const referrer of await source.referrers(entry.digest)) await visit(referrer.digest);
    return entry;
  };
  const top = await visit(reference);
  // The tag names the top manifest; its referrers come after it in the list, which is fine: they name it by digest.
  const entry = manifests.find((manifest) => manifest.digest === top.digest)!;
  return { blobs: [...blobs.values()], manifests, top: entry };
}
