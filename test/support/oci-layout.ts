import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Blob } from './oci.js';

/**
 * OCI image layout directories (image-spec layout.md), the `oci:DIR:REF`
 * transport of skopeo and other clients: content lives in blobs/sha256/<hex>,
 * and index.json names each top-level manifest with a ref.name annotation.
 */

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface LayoutRef {
  /** What clients address as `oci:DIR:<name>`. */
  name: string;
  manifest: Blob;
}

interface LayoutIndex {
  manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(dir, 'blobs', algorithm!, hex!);
}

/** Writes a layout holding `blobs` (every manifest and blob the refs reach) with `refs` in index.json. */
export function writeOciLayout(dir: string, refs: LayoutRef[], blobs: Blob[]): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const item of [...blobs, ...refs.map((ref) => ref.manifest)]) writeFileSync(blobPath(dir, item.digest), item.bytes);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: refs.map(({ name, manifest }) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.bytes.length,
      annotations: { [REF_NAME_ANNOTATION]: name },
    })),
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
}

/** A layout as a client left it. */
export interface OciLayout {
  /** The manifest digest index.json names `name`, or undefined. */
  refDigest(name: string): string | undefined;
  /** Every blob's digest (manifests included), sorted. */
  digests(): string[];
  blob(digest: string): Buffer;
}

export function readOciLayout(dir: string): OciLayout {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as LayoutIndex;
  return {
    refDigest: (name) => index.manifests.find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === name)?.digest,
    digests: () => readdirSync(join(dir, 'blobs', 'sha256')).map((hex) => `sha256:${hex}`).sort(),
    blob: (digest) => readFileSync(blobPath(dir, digest)),
  };
}
