import {
  CreateRepositoryCommand, DescribeImagesCommand, GetLifecyclePolicyCommand, GetRepositoryPolicyCommand,
  ListTagsForResourceCommand, PutLifecyclePolicyCommand, SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { ecrClient } from '../support/aws-cli.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest, signedRequest } from '../support/signed.js';
import { ecrRequests, type EcrRequest, type EcrSeed } from './ecr-arbitraries.js';
import { StateWatch, storedStateOf } from './stored-state.js';

const registry = useRegistry();
// Enough to stay well inside the 30 s test timeout on a busy machine; each run draws new cases.
const RUNS = 100;
const image = ociImage({ layerSizes: [512] });
const SEED_TAGS = [{ Key: 'team', Value: 'props' }];
const SEED_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] }],
});
const SEED_LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } }],
});

let generation = 0;
let repositoryArn = '';
const seed: EcrSeed = {
  repository: () => `props/seeded-${generation}`,
  repositoryArn: () => repositoryArn,
  accountId: '',
  tag: 'v1',
  manifest: { digest: image.manifest.digest, mediaType: image.manifest.mediaType, text: image.manifest.bytes.toString('utf8') },
  layerDigests: [image.config.digest, ...image.layers.map((layer) => layer.digest)],
};

/**
 * A repository with resource tags, an image, a repository policy and a lifecycle
 * policy. Each planting uses a fresh name: an accepted request may have left the
 * last one in a state that cannot be undone (a policy that denies everything).
 */
async function plantSeed(): Promise<void> {
  generation += 1;
  const ecr = ecrClient(registry());
  const repositoryName = seed.repository();
  const created = await ecr.send(new CreateRepositoryCommand({ repositoryName, tags: SEED_TAGS }));
  repositoryArn = created.repository!.repositoryArn!;
  await clientOf(registry()).pushImage(repositoryName, seed.tag, image);
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: SEED_POLICY }));
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: SEED_LIFECYCLE }));
}

/** Whether the seeded image, tags and policies are all still there: an accepted request may have removed one. */
async function seedIntact(): Promise<boolean> {
  const ecr = ecrClient(registry());
  const repositoryName = seed.repository();
  try {
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: seed.tag }] }));
    const tags = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn }));
    await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }));
    await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
    return images.imageDetails?.[0]?.imageDigest === seed.manifest.digest && tags.tags?.some((tag) => tag.Key === 'team') === true;
  } catch {
    return false;
  }
}

async function sendSigned(request: EcrRequest): Promise<{ status: number; text: string }> {
  const signed = await signedRequest(registry(), { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': request.target }, request.body);
  const response = await send(signed);
  return { status: response.status, text: await response.text() };
}

/** ECR's JSON 1.1 error: `{"__type": ..., "message": ...}`. */
function isEcrErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { __type?: unknown; message?: unknown };
    return typeof body.__type === 'string' && body.__type !== '' && typeof body.message === 'string';
  } catch {
    return false;
  }
}

const describeRequest = (request: EcrRequest, response: { status: number; text: string }) =>
  `${request.target} ${request.body.slice(0, 600)} → ${response.status} ${response.text.slice(0, 300)}`;

describe('any signed request to the management API', () => {
  beforeAll(async () => {
    seed.accountId = registry().identity.accountId;
    await plantSeed();
  });

  it(`answers below 500, refuses in ECR's error shape, and changes nothing when it refuses (${RUNS} runs)`, async () => {
    const watch = new StateWatch(storedStateOf(registry()), { intact: seedIntact, plant: plantSeed });
    await watch.start();
    const statuses = new Map<string, number>();

    await fc.assert(fc.asyncProperty(ecrRequests(seed), async (request) => {
      const response = await sendSigned(request);
      const outcome = response.status < 400 ? String(response.status) : `${response.status} ${(JSON.parse(response.text) as { __type?: string }).__type ?? '?'}`;
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      await watch.check(response.status, response.status < 400 || isEcrErrorBody(response.text), describeRequest(request, response));
    }), { numRuns: RUNS });

    const refused = [...statuses].filter(([outcome]) => Number(outcome.slice(0, 3)) >= 400).reduce((sum, [, count]) => sum + count, 0);
    console.log(`ECR request properties: ${RUNS} runs, ${refused} refused with state unchanged, ${generation} seeded repositories; outcomes ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });
});

describe('a repository name longer than ECR allows', () => {
  // Past DynamoDB's 2,048-byte partition key, too.
  const name = 'a'.repeat(3000);

  it.each([
    ['ListImages', { repositoryName: name }],
    ['BatchDeleteImage', { repositoryName: name, imageIds: [{ imageTag: 'v1' }] }],
    ['TagResource', { resourceArn: `arn:aws:ecr:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:repository/${name}`, tags: [{ Key: 'team', Value: 'props' }] }],
  ])('is an InvalidParameterException in %s, not a server error', async (action, input) => {
    const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}${action}`, input));
    expect(response.status).toBe(400);
    expect(await errorType(response)).toBe('InvalidParameterException');
  });
});
