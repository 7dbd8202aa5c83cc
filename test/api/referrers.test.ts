import { describe, expect, it } from 'vitest';
import { errorCodes } from '../support/client.js';
import { EMPTY_CONFIG, artifact, blob, descriptor, ociImage, randomBlob, type Blob } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

const registry = useRegistry();
const client = () => clientOf(registry());

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SBOM = 'application/vnd.example.sbom.v1';
const SIGNATURE = 'application/vnd.example.signature.v1';

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Record<string, unknown>[];
}

/** Pushes an image under `tag` and returns its manifest, the subject of the artifacts below. */
async function pushSubject(repository: string, tag = 'app'): Promise<Blob> {
  const image = ociImage();
  await client().pushImage(repository, tag, image);
  return image.manifest;
}

/** Pushes an artifact (by digest) that refers to `subject`, with its empty config and payload. */
async function pushArtifact(repository: string, subject: Blob, artifactType: string, annotations?: Record<string, string>): Promise<Blob> {
  const payload = randomBlob(128, `${artifactType}+json`);
  await client().pushBlob(repository, EMPTY_CONFIG);
  await client().pushBlob(repository, payload);
  const manifest = artifact(subject, artifactType, payload, annotations);
  await pushManifest(repository, manifest);
  return manifest;
}

async function pushManifest(repository: string, manifest: Blob): Promise<void> {
  const response = await client().pushManifest(repository, manifest.digest, manifest);
  expect(response.status).toBe(201);
}

async function referrers(repository: string, subject: string, query = ''): Promise<{ response: Response; index: ReferrersIndex }> {
  const response = await client().request('GET', `/v2/${repository}/referrers/${subject}${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(OCI_INDEX);
  const index = (await response.json()) as ReferrersIndex;
  expect(index.schemaVersion).toBe(2);
  expect(index.mediaType).toBe(OCI_INDEX);
  return { response, index };
}

function byDigest(descriptors: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...descriptors].sort((a, b) => String(a.digest).localeCompare(String(b.digest)));
}

describe('referrers API', () => {
  it('lists the artifacts of a subject with mediaType, digest, size, artifactType and annotations', async () => {
    const subject = await pushSubject('referrers/list');
    const sbom = await pushArtifact('referrers/list', subject, SBOM, { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.tool': 'syft' });
    const signature = await pushArtifact('referrers/list', subject, SIGNATURE);

    const { response, index } = await referrers('referrers/list', subject.digest);
    expect(response.headers.get('oci-filters-applied')).toBeNull();
    expect(byDigest(index.manifests)).toEqual(byDigest([
      {
        mediaType: OCI_MANIFEST,
        digest: sbom.digest,
        size: sbom.bytes.length,
        artifactType: SBOM,
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.tool': 'syft' },
      },
      { mediaType: OCI_MANIFEST, digest: signature.digest, size: signature.bytes.length, artifactType: SIGNATURE },
    ]));
  });

  it('filters by artifactType and says so with OCI-Filters-Applied', async () => {
    const subject = await pushSubject('referrers/filter');
    const sbom = await pushArtifact('referrers/filter', subject, SBOM);
    await pushArtifact('referrers/filter', subject, SIGNATURE);

    const { response, index } = await referrers('referrers/filter', subject.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(index.manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);

    const none = await referrers('referrers/filter', subject.digest, '?artifactType=application/vnd.example.unknown');
    expect(none.response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(none.index.manifests).toEqual([]);
  });

  it('answers an unknown subject with 200 and an empty index', async () => {
    await pushSubject('referrers/unknown');
    const { index } = await referrers('referrers/unknown', ociImage().manifest.digest);
    expect(index).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });

  it('lists an artifact whose subject was never pushed', async () => {
    const absent = ociImage().manifest;
    await pushSubject('referrers/orphan');
    const signature = await pushArtifact('referrers/orphan', absent, SIGNATURE);
    const { index } = await referrers('referrers/orphan', absent.digest);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([signature.digest]);
  });

  it('removes a deleted artifact from the list and keeps the others', async () => {
    const subject = await pushSubject('referrers/delete');
    const sbom = await pushArtifact('referrers/delete', subject, SBOM);
    const signature = await pushArtifact('referrers/delete', subject, SIGNATURE);
    expect((await referrers('referrers/delete', subject.digest)).index.manifests).toHaveLength(2);

    const response = await client().request('DELETE', `/v2/referrers/delete/manifests/${sbom.digest}`);
    expect(response.status).toBe(202);
    const { index } = await referrers('referrers/delete', subject.digest);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([signature.digest]);
  });

  it('keeps listing an artifact after its tag is deleted', async () => {
    const subject = await pushSubject('referrers/untag');
    const payload = randomBlob(64, 'application/vnd.example.sbom.v1+json');
    await client().pushBlob('referrers/untag', EMPTY_CONFIG);
    await client().pushBlob('referrers/untag', payload);
    const sbom = artifact(subject, SBOM, payload);
    expect((await client().pushManifest('referrers/untag', 'sbom', sbom)).status).toBe(201);
    expect((await client().request('DELETE', '/v2/referrers/untag/manifests/sbom')).status).toBe(202);
    const { index } = await referrers('referrers/untag', subject.digest);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);
  });

  it('reports the config mediaType as artifactType of an image manifest with a subject but no artifactType', async () => {
    const subject = await pushSubject('referrers/config-type');
    const config = blob('{"signed":true}', 'application/vnd.example.signature.config.v1+json');
    const layer = randomBlob(40, 'application/vnd.example.signature.layer.v1');
    await client().pushBlob('referrers/config-type', config);
    await client().pushBlob('referrers/config-type', layer);
    const manifest = blob(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config),
      layers: [descriptor(layer)],
      subject: descriptor(subject),
    }), OCI_MANIFEST);
    await pushManifest('referrers/config-type', manifest);

    const { index } = await referrers('referrers/config-type', subject.digest);
    expect(index.manifests).toEqual([
      { mediaType: OCI_MANIFEST, digest: manifest.digest, size: manifest.bytes.length, artifactType: config.mediaType },
    ]);
    const filtered = await referrers('referrers/config-type', subject.digest, `?artifactType=${encodeURIComponent(config.mediaType)}`);
    expect(filtered.index.manifests.map((entry) => entry.digest)).toEqual([manifest.digest]);
  });

  it('lists an index with a subject under its artifactType', async () => {
    const subject = await pushSubject('referrers/index');
    const child = ociImage();
    await client().pushImage('referrers/index', child.manifest.digest, child);
    const index = blob(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: 'application/vnd.example.bundle.v1',
      manifests: [descriptor(child.manifest)],
      subject: descriptor(subject),
      annotations: { 'org.example.bundle': 'yes' },
    }), OCI_INDEX);
    await pushManifest('referrers/index', index);

    const listed = await referrers('referrers/index', subject.digest);
    expect(listed.index.manifests).toEqual([{
      mediaType: OCI_INDEX,
      digest: index.digest,
      size: index.bytes.length,
      artifactType: 'application/vnd.example.bundle.v1',
      annotations: { 'org.example.bundle': 'yes' },
    }]);
  });

  it('lists only the referrers pushed to the repository asked about', async () => {
    const image = ociImage();
    await client().pushImage('referrers/repo-a', 'app', image);
    await client().pushImage('referrers/repo-b', 'app', image);
    const sbom = await pushArtifact('referrers/repo-a', image.manifest, SBOM);
    expect((await referrers('referrers/repo-a', image.manifest.digest)).index.manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);
    expect((await referrers('referrers/repo-b', image.manifest.digest)).index.manifests).toEqual([]);
  });

  it('keeps large annotations of an artifact in its descriptor', async () => {
    // Annotations are copied into the referrers index; a large value must not break the push or the listing.
    const subject = await pushSubject('referrers/large-annotations');
    const annotations = { 'org.example.note': 'n'.repeat(450 * 1024) };
    const sbom = await pushArtifact('referrers/large-annotations', subject, SBOM, annotations);
    const signature = await pushArtifact('referrers/large-annotations', subject, SIGNATURE, { 'org.example.small': 'yes' });
    const expected = { mediaType: OCI_MANIFEST, digest: sbom.digest, size: sbom.bytes.length, artifactType: SBOM, annotations };
    const { index } = await referrers('referrers/large-annotations', subject.digest);
    expect(byDigest(index.manifests)).toEqual(byDigest([
      expected,
      { mediaType: OCI_MANIFEST, digest: signature.digest, size: signature.bytes.length, artifactType: SIGNATURE, annotations: { 'org.example.small': 'yes' } },
    ]));
    const filtered = await referrers('referrers/large-annotations', subject.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
    expect(filtered.index.manifests).toEqual([expected]);
  });

  it('answers DIGEST_INVALID for a malformed subject digest', async () => {
    await pushSubject('referrers/bad-digest');
    const response = await client().request('GET', '/v2/referrers/bad-digest/referrers/sha256:nothex');
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['DIGEST_INVALID']);
  });
});
