import { createHash } from 'node:crypto';

/** What a push or copy carries: blobs to upload, then manifests in the order they must be put. */

export interface BlobSource {
  digest: string;
  size: number;
  /** The blob's bytes from `offset` (default 0) to its end, streamed from wherever they are. */
  open(signal?: AbortSignal, offset?: number): Promise<ReadableStream<Uint8Array>>;
}

export interface ManifestEntry {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface TransferPlan {
  blobs: BlobSource[];
  /** Children before their index, subjects before their referrers; the last is what the tag names. */
  manifests: ManifestEntry[];
  /** The manifest the destination tag names. */
  top: ManifestEntry;
  /** Called once the push is over, done or failed (temporary files). */
  cleanup?(): Promise<void>;
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest,
].join(', ');

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList;
}

export function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
}

export interface ParsedManifest {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

/** A manifest's JSON, or an error naming where it came from. */
export function parseManifest(bytes: Buffer, what: string): ParsedManifest {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as ParsedManifest;
  } catch (error) {
    throw new Error(`${what} is not a manifest: ${(error as Error).message}`);
  }
}

/** The media type a manifest declares, else the one its descriptor gave, else guessed from its fields. */
export function manifestMediaType(parsed: ParsedManifest, fromDescriptor?: string): string {
  return parsed.mediaType ?? fromDescriptor ?? (parsed.manifests ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
}
