import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { errorCodes } from '../support/client.js';
import { annotatedManifest, EMPTY_CONFIG, type Blob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

const registry = useRegistry();
// 2,000 pushes took longer than a test may take on a busy machine; each run races new manifests.
const TRIALS = 10;
const CLIENTS = 20;
const REPOSITORY = 'races/immutable';

/** An image manifest of its own digest: the shared empty config and an annotation naming the pusher. */
function contender(trial: number, client: number): Blob {
  return annotatedManifest(EMPTY_CONFIG, [], { 'org.example.pusher': `${trial}-${client}` });
}

describe('an immutable tag pushed by many clients at once', () => {
  it(`has exactly one winner in each of ${TRIALS} trials of ${CLIENTS} clients`, async () => {
    await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: REPOSITORY, imageTagMutability: 'IMMUTABLE' }));
    const client = clientOf(registry());
    await client.pushBlob(REPOSITORY, EMPTY_CONFIG);

    const winners: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const tag = `release-${trial}`;
      const manifests = Array.from({ length: CLIENTS }, (_, index) => contender(trial, index));
      const responses = await Promise.all(manifests.map((manifest) => client.pushManifest(REPOSITORY, tag, manifest)));
      const won = manifests.filter((_, index) => responses[index]!.status === 201);
      winners.push(won.length);
      // Every loser is told why, in the protocol's terms.
      for (const response of responses.filter((candidate) => candidate.status !== 201)) {
        expect(response.status).toBe(400);
        expect(await errorCodes(response)).toEqual(['TAG_INVALID']);
      }
      // The tag serves the winner's manifest.
      const served = await client.request('HEAD', `/v2/${REPOSITORY}/manifests/${tag}`, { headers: { accept: manifests[0]!.mediaType } });
      if (won.length === 1) expect(served.headers.get('docker-content-digest')).toBe(won[0]!.digest);
    }
    console.log(`immutable tag races: ${winners.filter((count) => count === 1).length} of ${TRIALS} trials had exactly one winner among ${CLIENTS} clients`);
    expect(winners).toEqual(Array.from({ length: TRIALS }, () => 1));
  });
});
