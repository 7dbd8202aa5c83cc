import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { artifact, blob, descriptor, EMPTY_CONFIG, ociIndex, sha256, type Blob, type Image } from '../support/oci.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const SBOM_TYPE = 'application/spdx+json';

/** An image whose config has what the image page shows: entrypoint, environment, labels, creation time and history. */
export function describedImage(name: string, layerSizes: number[], platform = { os: 'linux', architecture: 'amd64' }): Image {
  const raw = layerSizes.map((size) => randomBytes(size));
  const layers = raw.map((bytes) => blob(gzipSync(bytes), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const config = blob(JSON.stringify({
    ...platform,
    created: '2026-01-02T03:04:05Z',
    config: { Entrypoint: [`/usr/bin/${name}`], Cmd: ['--serve'], Env: [`APP_NAME=${name}`, 'PATH=/usr/bin'], Labels: { 'org.opencontainers.image.title': name } },
    rootfs: { type: 'layers', diff_ids: raw.map(sha256) },
    history: layerSizes.map((_, index) => ({ created: '2026-01-02T03:04:05Z', created_by: `COPY layer-${index} /` })),
  }), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: layers.map((layer) => descriptor(layer)),
  }), OCI_MANIFEST);
  return { config, layers, manifest };
}

export interface Fixture {
  ref: string;
  manifest: Blob;
  content: Blob[];
}

export function imageFixture(ref: string, image: Image): Fixture {
  return { ref, manifest: image.manifest, content: [image.manifest, image.config, ...image.layers] };
}

/** A two-platform index. */
export function indexFixture(ref: string, name: string): Fixture {
  const amd64 = describedImage(name, [1500], { os: 'linux', architecture: 'amd64' });
  const arm64 = describedImage(name, [1600], { os: 'linux', architecture: 'arm64' });
  const index = ociIndex([{ image: amd64, platform: { os: 'linux', architecture: 'amd64' } }, { image: arm64, platform: { os: 'linux', architecture: 'arm64' } }]);
  return { ref, manifest: index, content: [index, ...imageFixture('', amd64).content, ...imageFixture('', arm64).content] };
}

/** An SBOM that refers to `subject`. */
export function sbomFixture(ref: string, subject: Blob): Fixture {
  const payload = blob(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }), SBOM_TYPE);
  const sbom = artifact(subject, SBOM_TYPE, payload);
  return { ref, manifest: sbom, content: [sbom, EMPTY_CONFIG, payload] };
}
