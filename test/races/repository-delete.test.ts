import { DeleteRepositoryCommand, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { errorCodes, type RegistryClient } from '../support/client.js';
import { annotatedManifest, ociImage, type Blob, type Image } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

const registry = useRegistry();
const TRIALS = 8;
const PUSHES = 40;
/** The delete starts once this many pushes have been answered, so that it overlaps the rest. */
const DELETE_AFTER = 5;
const REPOSITORY = 'races/churn';

/** A manifest of the image's blobs, of its own digest. */
function variant(image: Image, index: number): Blob {
  return annotatedManifest(image.config, image.layers, { 'org.example.variant': String(index) });
}

/** Tags the registry serves whose manifest, by digest, or one of whose blobs is missing. */
async function danglingTags(client: RegistryClient, repository: string): Promise<string[]> {
  const listed = await client.request('GET', `/v2/${repository}/tags/list`);
  if (listed.status === 404) return [];
  const { tags } = (await listed.json()) as { tags: string[] };
  const dangling: string[] = [];
  // Every variant shares the image's blobs: ask about each once.
  const served = new Map<string, Promise<boolean>>();
  const blobServed = (digest: string) => served.get(digest) ?? served.set(digest, client.request('HEAD', `/v2/${repository}/blobs/${digest}`)
    .then((response) => response.status === 200 || response.status === 307)).get(digest)!;
  for (const tag of tags) {
    const byTag = await client.request('GET', `/v2/${repository}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const digest = byTag.headers.get('docker-content-digest');
    const document = byTag.status === 200 ? (await byTag.json()) as { config: { digest: string }; layers: { digest: string }[] } : undefined;
    const byDigest = digest === null ? undefined : await client.request('HEAD', `/v2/${repository}/manifests/${digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const blobs = document ? await Promise.all([document.config, ...document.layers].map((item) => blobServed(item.digest))) : [];
    const whole = byDigest?.status === 200 && document !== undefined && blobs.every(Boolean);
    if (!whole) dangling.push(tag);
  }
  return dangling;
}

describe('pushes racing a delete of their repository', () => {
  it(`never leave a served tag without its manifest or blobs, nor anything in a repository created afterwards, over ${TRIALS} trials`, async () => {
    const client = clientOf(registry());
    const ecr = ecrClient(registry());
    const outcomes: { pushed: number; dangling: string[]; inherited: number }[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const image = ociImage();
      // Create-on-push makes the repository afresh in each trial.
      await client.pushImage(REPOSITORY, 'base', image);
      let answered = 0;
      let startDelete!: () => void;
      const deleteMayStart = new Promise<void>((resolve) => { startDelete = resolve; });
      const pushes = Array.from({ length: PUSHES }, async (_, index) => {
        const response = await client.pushManifest(REPOSITORY, `t${index}`, variant(image, index));
        answered += 1;
        if (answered === DELETE_AFTER) startDelete();
        return response.status;
      });
      await deleteMayStart;
      await ecr.send(new DeleteRepositoryCommand({ repositoryName: REPOSITORY, force: true }));
      const statuses = await Promise.all(pushes);
      // Pushes answered after the delete began were refused (the repository was gone, or a
      // repository created again on push lacked their blobs), never half-applied.
      for (const status of statuses) expect([201, 404]).toContain(status);

      const dangling = await danglingTags(client, REPOSITORY);
      // A repository that exists now was created after the delete: nothing of the old one is in it.
      const store = registry().store;
      const inherited = (await store.getRepository(REPOSITORY))
        ? (await store.listTags(REPOSITORY, undefined, 1000)).items.length + (await store.listManifests(REPOSITORY, undefined, 1000)).items.length
        : (await store.listTags(REPOSITORY, undefined, 1000)).items.length;
      outcomes.push({ pushed: statuses.filter((status) => status === 201).length, dangling, inherited });
      await ecr.send(new DeleteRepositoryCommand({ repositoryName: REPOSITORY, force: true })).catch((error: unknown) => {
        if (!(error instanceof RepositoryNotFoundException)) throw error;
      });
    }
    const clean = outcomes.filter((outcome) => outcome.dangling.length === 0 && outcome.inherited === 0).length;
    console.log(`repository delete races: ${clean} of ${TRIALS} trials clean; pushes answered 201 per trial: ${outcomes.map((outcome) => outcome.pushed).join(', ')}`);
    expect(outcomes.map((outcome) => outcome.dangling)).toEqual(outcomes.map(() => []));
    expect(outcomes.map((outcome) => outcome.inherited)).toEqual(outcomes.map(() => 0));
  });
});

describe('an upload that outlives its repository', () => {
  it('is refused with NAME_UNKNOWN and links nothing into a repository created again', async () => {
    const client = clientOf(registry());
    const layer = ociImage().layers[0]!;
    const location = await client.startUpload('races/outlived');
    await ecrClient(registry()).send(new DeleteRepositoryCommand({ repositoryName: 'races/outlived', force: true }));
    const finished = await client.fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${layer.digest}`, {
      method: 'PUT', body: layer.bytes, headers: { 'content-type': 'application/octet-stream' },
    });
    expect(finished.status).toBe(404);
    expect(await errorCodes(finished)).toEqual(['NAME_UNKNOWN']);
    await client.pushImage('races/outlived', 'fresh', ociImage());
    expect((await client.request('HEAD', `/v2/races/outlived/blobs/${layer.digest}`)).status).toBe(404);
  });
});
