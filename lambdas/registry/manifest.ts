import { createHash } from 'node:crypto';
import type { Descriptor } from '../shared/oci-descriptor.js';
import { MAX_INDEX_CHILDREN } from '../store/metadata-store.js';
import { RegistryError } from './errors.js';
import { isValidDigest } from './grammar.js';
import { FOREIGN_LAYER_TYPES, INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA_TYPES } from './media-types.js';

/** The largest manifest Berth accepts, as distribution and the spec suggest. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export type { Descriptor };

/** What the registry needs to know about a manifest to store, validate and index it. */
export interface ParsedManifest {
  mediaType: string;
  digest: string;
  size: number;
  /** Blobs (config and layers) that must already be in the repository. */
  blobs: Descriptor[];
  /** An image manifest's config; absent for indexes. */
  config?: Descriptor;
  /** Child manifests of an index, which must already be in the repository. */
  children: Descriptor[];
  subject?: Descriptor;
  /** The artifact type reported by the referrers API. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function invalid(message: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(`${field} must be an object of strings`);
  }
  return value as Record<string, string>;
}

function descriptor(value: unknown, field: string): Descriptor {
  if (!isRecord(value)) throw invalid(`${field} must be a descriptor object`);
  const { mediaType, digest, size, artifactType, annotations, platform } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${field}.mediaType is required`);
  if (typeof digest !== 'string' || !isValidDigest(digest)) throw invalid(`${field}.digest is not a valid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${field}.size must be a non-negative integer`);
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid(`${field}.artifactType must be a string`);
  return {
    mediaType,
    digest,
    size,
    ...(artifactType === undefined ? {} : { artifactType: artifactType as string }),
    ...(annotations === undefined ? {} : { annotations: stringMap(annotations, `${field}.annotations`) }),
    ...(isRecord(platform) ? { platform: platform as Descriptor['platform'] } : {}),
  };
}

function descriptorList(value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array`);
  return value.map((item, index) => descriptor(item, `${field}[${index}]`));
}

/** Accepts `application/json; charset=…` style values by comparing the bare type. */
function bareType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Parses and validates a manifest exactly as received. The digest is taken
 * over the given bytes, which are what the registry stores and serves.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new RegistryError('TOO_LARGE', `manifest is ${bytes.length} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes (4 MiB)`);
  }
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isRecord(document)) throw invalid('manifest must be a JSON object');
  if (document.schemaVersion !== 2) throw invalid('schemaVersion must be 2');

  const declared = typeof document.mediaType === 'string' ? document.mediaType : undefined;
  const header = bareType(contentType);
  if (declared !== undefined && header !== undefined && declared !== header) {
    throw invalid(`Content-Type ${header} does not match the manifest's mediaType ${declared}`);
  }
  const mediaType = declared ?? header ?? inferMediaType(document);
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw invalid(`unsupported manifest media type ${mediaType}; supported: ${MANIFEST_MEDIA_TYPES.join(', ')}`);
  }

  const subject = document.subject === undefined ? undefined : descriptor(document.subject, 'subject');
  const annotations = stringMap(document.annotations, 'annotations');
  if (document.artifactType !== undefined && typeof document.artifactType !== 'string') {
    throw invalid('artifactType must be a string');
  }
  const base = { mediaType, digest: sha256Digest(bytes), size: bytes.length, subject, annotations };

  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    const children = descriptorList(document.manifests, 'manifests');
    const distinct = new Set(children.map((child) => child.digest)).size;
    if (distinct > MAX_INDEX_CHILDREN) throw invalid(`an index may list at most ${MAX_INDEX_CHILDREN} distinct manifests; this one lists ${distinct}`);
    return { ...base, blobs: [], children, artifactType: document.artifactType as string | undefined };
  }

  const config = descriptor(document.config, 'config');
  const layers = descriptorList(document.layers ?? [], 'layers');
  if (mediaType === MEDIA_TYPES.dockerManifest && layers.length === 0) {
    throw invalid('a Docker image manifest needs at least one layer');
  }
  const stored = layers.filter((layer) => !isForeignLayer(layer, document));
  return {
    ...base,
    blobs: [config, ...stored],
    config,
    children: [],
    // The referrers API reports artifactType, falling back to the config's media type.
    artifactType: (document.artifactType as string | undefined) ?? config.mediaType,
  };
}

function isForeignLayer(layer: Descriptor, document: Record<string, unknown>): boolean {
  if (!FOREIGN_LAYER_TYPES.includes(layer.mediaType)) return false;
  const raw = (document.layers as Record<string, unknown>[]).find((item) => item.digest === layer.digest);
  return Array.isArray(raw?.urls) && raw.urls.length > 0;
}

function inferMediaType(document: Record<string, unknown>): string {
  if (Array.isArray(document.manifests)) return MEDIA_TYPES.ociIndex;
  if (document.config !== undefined) return MEDIA_TYPES.ociManifest;
  throw invalid('cannot tell the manifest type: send a Content-Type header or a mediaType field');
}
