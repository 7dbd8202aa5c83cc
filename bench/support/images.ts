import { randomBytes } from 'node:crypto';
import { blob, descriptor, type Image } from '../../test/support/oci.js';

const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar';

/**
 * An image whose layers of random bytes add up to exactly `totalBytes`.
 * Unlike ociImage, the layers are not gzipped, so their sizes are exact and
 * building a large image costs no compression time; the registry never looks inside.
 */
export function imageOfSize(totalBytes: number, layerCount: number): Image {
  const base = Math.floor(totalBytes / layerCount);
  const layers = Array.from({ length: layerCount }, (_, index) => {
    const size = index === layerCount - 1 ? totalBytes - base * (layerCount - 1) : base;
    return blob(randomBytes(size), LAYER_TYPE);
  });
  const config = blob(JSON.stringify({
    os: 'linux',
    architecture: 'amd64',
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    config: {},
  }), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(config),
    layers: layers.map((layer) => descriptor(layer)),
  }), 'application/vnd.oci.image.manifest.v1+json');
  return { config, layers, manifest };
}
