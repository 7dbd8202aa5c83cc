import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, blob, EMPTY_CONFIG, imageBlobs, ociImage, ociIndex, sha256, type Blob } from '../support/oci.js';
import { readOciLayout, writeOciLayout } from '../support/oci-layout.js';
import { basicAuth, useRegistry, clientOf } from '../support/registry.js';
import { describeWith, locateTool, runTool, type ToolResult } from '../support/tools.js';

/**
 * skopeo (written against 1.9) pushing and pulling through Berth over plain
 * HTTP without credentials, from and to OCI image layout directories.
 */

const skopeo = locateTool('skopeo', 'apt-get install skopeo');
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const SBOM_TYPE = 'application/vnd.example.sbom.v1+json';

/** A top-level manifest of the source layout and every blob a copy of it must carry. */
interface Fixture {
  ref: string;
  manifest: Blob;
  content: Blob[];
}

function fixtures(): Fixture[] {
  const image = ociImage({ layerSizes: [2048, 3072, 4096] });
  const amd64 = ociImage({ layerSizes: [1024, 1536, 2048], platform: AMD64 });
  const arm64 = ociImage({ layerSizes: [1024, 1536, 2048], platform: ARM64 });
  const index = ociIndex([{ image: amd64, platform: AMD64 }, { image: arm64, platform: ARM64 }]);
  const sbomPayload = blob(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }), 'application/spdx+json');
  const sbom = artifact(image.manifest, SBOM_TYPE, sbomPayload);
  return [
    { ref: 'image', manifest: image.manifest, content: imageBlobs(image) },
    { ref: 'multi-arch', manifest: index, content: [index, ...imageBlobs(amd64), ...imageBlobs(arm64)] },
    // A copy of an artifact does not carry its subject, which is only referred to.
    { ref: 'sbom', manifest: sbom, content: [sbom, EMPTY_CONFIG, sbomPayload] },
  ];
}

/** The test content is unsigned; --insecure-policy keeps the host's policy.json out of the result. */
function runSkopeo(...args: string[]): Promise<ToolResult> {
  return runTool(skopeo.path!, ['--insecure-policy', ...args]);
}

/** The stdout of a run that must succeed; a failure reports skopeo's stderr. */
async function succeeds(run: Promise<ToolResult>): Promise<Buffer> {
  const result = await run;
  if (result.code !== 0) throw new Error(`skopeo exited with ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** The stderr of a run that must fail. */
async function fails(run: Promise<ToolResult>): Promise<string> {
  const result = await run;
  expect(result.code, 'skopeo should have failed').not.toBe(0);
  return result.stderr;
}

/**
 * --all copies an index with all its children, and --preserve-digests makes
 * skopeo fail rather than rewrite a manifest, so digests must survive as pushed.
 */
const COPY = ['copy', '--all', '--preserve-digests'];
/** AWS:<registry token>, what docker login would store; set once the registry runs. */
let creds = '';
const registryAccess = () => ['--tls-verify=false', '--creds', creds];

const push = (source: string, destination: string) =>
  runSkopeo(...COPY, '--dest-tls-verify=false', '--dest-creds', creds, source, destination);
const pull = (source: string, destination: string) =>
  runSkopeo(...COPY, '--src-tls-verify=false', '--src-creds', creds, source, destination);
const inspectRaw = (image: string) => runSkopeo('inspect', '--raw', ...registryAccess(), image);

describeWith([skopeo], 'skopeo', () => {
  const registry = useRegistry();
  const FIXTURES = fixtures();
  const [image, multiArch, sbom] = FIXTURES as [Fixture, Fixture, Fixture];
  let work: string;
  let source: string;

  const dockerRepository = (repository: string) => `docker://${new URL(registry().url).host}/${repository}`;
  /** A docker:// reference to an image in the test registry, by tag or by digest. */
  const docker = (repository: string, reference: string) =>
    `${dockerRepository(repository)}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
  const pushFixture = (fixture: Fixture, repository: string, tag: string) =>
    succeeds(push(`oci:${source}:${fixture.ref}`, docker(repository, tag)));

  async function listTags(repository: string): Promise<string[]> {
    const stdout = await succeeds(runSkopeo('list-tags', ...registryAccess(), dockerRepository(repository)));
    const listing = JSON.parse(stdout.toString('utf8')) as { Tags: string[] };
    return [...listing.Tags].sort();
  }

  beforeAll(async () => {
    creds = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString('utf8');
    work = mkdtempSync(join(tmpdir(), 'berth-skopeo-'));
    source = join(work, 'source');
    writeOciLayout(source, FIXTURES.map(({ ref, manifest }) => ({ name: ref, manifest })), FIXTURES.flatMap((fixture) => fixture.content));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('copy from an OCI layout to Berth and back', () => {
    it.each(FIXTURES)('keeps the digests and every blob of $ref', async ({ ref, manifest, content }) => {
      const target = docker('clients/round-trip', ref);
      await succeeds(push(`oci:${source}:${ref}`, target));

      const raw = await succeeds(inspectRaw(target));
      expect(sha256(raw)).toBe(manifest.digest);
      expect(raw.equals(manifest.bytes)).toBe(true);

      const out = join(work, `out-${ref}`);
      await succeeds(pull(target, `oci:${out}:${ref}`));
      const copy = readOciLayout(out);
      expect(copy.refDigest(ref)).toBe(manifest.digest);
      expect(copy.digests()).toEqual(content.map((item) => item.digest).sort());
      for (const item of content) expect(copy.blob(item.digest).equals(item.bytes), `blob ${item.digest}`).toBe(true);
    });

    it('makes the pushed artifact a referrer of its subject', async () => {
      await pushFixture(image, 'clients/referrers', 'app');
      await pushFixture(sbom, 'clients/referrers', 'app-sbom');
      const response = await clientOf(registry()).request('GET', `/v2/clients/referrers/referrers/${image.manifest.digest}`);
      expect(response.status).toBe(200);
      const index = (await response.json()) as { manifests: { digest: string; artifactType?: string }[] };
      expect(index.manifests).toEqual([expect.objectContaining({ digest: sbom.manifest.digest, artifactType: SBOM_TYPE })]);
    });
  });

  describe('tags', () => {
    it('lists the tags pushed, and no tags for the children of an index', async () => {
      await pushFixture(image, 'clients/tags', 'v1');
      await pushFixture(image, 'clients/tags', 'v2');
      await pushFixture(multiArch, 'clients/tags', 'latest');
      expect(await listTags('clients/tags')).toEqual(['latest', 'v1', 'v2']);
    });

    it('deletes by tag as a digest delete: the manifest goes, with every tag on it', async () => {
      const repository = 'clients/delete';
      await pushFixture(image, repository, 'v1');
      await pushFixture(image, repository, 'v1-alias');
      await pushFixture(multiArch, repository, 'keep');

      // skopeo resolves the tag and sends DELETE /v2/<name>/manifests/<digest>, as distribution clients do.
      await succeeds(runSkopeo('delete', ...registryAccess(), docker(repository, 'v1')));

      expect(await listTags(repository)).toEqual(['keep']);
      expect(await fails(inspectRaw(docker(repository, 'v1')))).toMatch(/manifest unknown/);
      expect(await fails(inspectRaw(docker(repository, image.manifest.digest)))).toMatch(/manifest unknown/);
      expect(sha256(await succeeds(inspectRaw(docker(repository, 'keep'))))).toBe(multiArch.manifest.digest);
      expect(await fails(runSkopeo('delete', ...registryAccess(), docker(repository, 'v1')))).toMatch(/Unable to delete/);
    });
  });
});
