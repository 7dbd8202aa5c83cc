import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** Builders for blobs and manifests used across the tests. */

export interface Blob {
  digest: string;
  bytes: Buffer;
  mediaType: string;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blob(bytes: Buffer | string, mediaType = 'application/octet-stream'): Blob {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return { digest: sha256(buffer), bytes: buffer, mediaType };
}

export function randomBlob(size: number, mediaType = 'application/octet-stream'): Blob {
  return blob(randomBytes(size), mediaType);
}

export function descriptor(item: Blob, extra: Record<string, unknown> = {}) {
  return { mediaType: item.mediaType, digest: item.digest, size: item.bytes.length, ...extra };
}

export interface Image {
  config: Blob;
  layers: Blob[];
  manifest: Blob;
}

const IMAGE_TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
};

interface ImageOptions {
  layerSizes?: number[];
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

/** An image with gzip layers of random content and a config whose diff_ids match them. */
function image(types: (typeof IMAGE_TYPES)[keyof typeof IMAGE_TYPES], options: ImageOptions): Image {
  const raw = (options.layerSizes ?? [1024]).map((size) => randomBytes(size));
  const layers = raw.map((bytes) => blob(gzipSync(bytes), types.layer));
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = blob(JSON.stringify({
    ...platform,
    rootfs: { type: 'layers', diff_ids: raw.map(sha256) },
    config: {},
  }), types.config);
  const manifest = blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: descriptor(config),
    layers: layers.map((layer) => descriptor(layer)),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  }), types.manifest);
  return { config, layers, manifest };
}

/** An OCI image manifest with its config and layers. */
export function ociImage(options: ImageOptions = {}): Image {
  return image(IMAGE_TYPES.oci, options);
}

/** A Docker schema2 image (application/vnd.docker.distribution.manifest.v2+json) with a Docker config and gzip layers. */
export function dockerImage(options: ImageOptions = {}): Image {
  return image(IMAGE_TYPES.docker, options);
}

/** An OCI image manifest of the given config and layers whose annotations make its digest its own. */
export function annotatedManifest(config: Blob, layers: Blob[], annotations: Record<string, string>): Blob {
  const mediaType = IMAGE_TYPES.oci.manifest;
  return blob(JSON.stringify({
    schemaVersion: 2, mediaType, config: descriptor(config), layers: layers.map((layer) => descriptor(layer)), annotations,
  }), mediaType);
}

/** Every blob an image consists of, its manifest included: what a copy of it must carry. */
export function imageBlobs(image: Image): Blob[] {
  return [image.manifest, image.config, ...image.layers];
}

/** An image index over the given images, each described with its platform. */
export function ociIndex(images: { image: Image; platform: { os: string; architecture: string } }[], mediaType = 'application/vnd.oci.image.index.v1+json'): Blob {
  return blob(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: images.map(({ image, platform }) => descriptor(image.manifest, { platform })),
  }), mediaType);
}

export const EMPTY_CONFIG = blob('{}', 'application/vnd.oci.empty.v1+json');

/** An artifact manifest (OCI image manifest with artifactType) that refers to `subject`. */
export function artifact(subject: Blob, artifactType: string, payload: Blob, annotations?: Record<string, string>): Blob {
  return blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: descriptor(EMPTY_CONFIG),
    layers: [descriptor(payload)],
    subject: descriptor(subject),
    ...(annotations ? { annotations } : {}),
  }), 'application/vnd.oci.image.manifest.v1+json');
}
