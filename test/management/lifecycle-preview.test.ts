import { CreateRepositoryCommand, GetLifecyclePolicyPreviewCommand } from '@aws-sdk/client-ecr';
import { beforeAll, expect, it } from 'vitest';
import type { RunningRegistry } from '../../local/berth-server.js';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { ociImage } from '../support/oci.js';
import { clientOf, startTestRegistry, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';
import { describeWith } from '../support/tools.js';

// The registry's clock, held still by the expiry test and moved forward less than signatures' allowed skew.
let frozen: Date | undefined;
const registry = useRegistry({}, { now: () => frozen ?? new Date(), lifecyclePreviewSeconds: 60 });

const rule = (rulePriority: number, selection: Record<string, unknown>) => ({
  rulePriority, description: `rule ${rulePriority}`, selection, action: { type: 'expire' },
});
const policy = (...rules: unknown[]) => JSON.stringify({ rules });
/** Keeps the newest v* release, then every untagged image but the newest. */
const keepOneRelease = policy(
  rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }),
  rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
);
const keepTwoReleases = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 }));

const REPOSITORY = 'preview/app';
/** Digests by the tag they were pushed with; untagged ones as u1, u2. */
const pushed: Record<string, string> = {};

beforeAll(async () => {
  await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  // One after another, oldest first: the rules count by push time.
  for (const name of ['v1', 'v2', 'v3', 'u1', 'u2']) {
    const image = ociImage();
    await clientOf(registry()).pushImage(REPOSITORY, name.startsWith('u') ? image.manifest.digest : name, image);
    pushed[name] = image.manifest.digest;
  }
});

interface IssuedKey { accessKeyId: string; secretAccessKey: string; principalArn: string }

async function issuedKey(principalName: string, actions: string[]): Promise<IssuedKey> {
  const response = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CreateAccessKey`, {
    principalName, policyText: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
  }));
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessKey: IssuedKey }).accessKey;
}

/** `aws ecr` as the given key's principal. */
const cliAs = (running: RunningRegistry, key: IssuedKey) => ecrCli({ ...running, adminKey: key } as RunningRegistry);

describeWith([awsCli], 'lifecycle policy previews with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);
  const images = async () => ((await aws('list-images', '--repository-name', REPOSITORY)).json().imageIds as unknown[]).length;

  it('previews text that is not saved, as the scheduled job would evaluate it, and deletes nothing', async () => {
    const started = await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease);
    expect(started.code, started.stderr).toBe(0);
    expect(started.json()).toEqual({
      registryId: registry().identity.accountId, repositoryName: REPOSITORY, lifecyclePolicyText: keepOneRelease, status: 'COMPLETE',
    });
    expect((await aws('wait', 'lifecycle-policy-preview-complete', '--repository-name', REPOSITORY)).code).toBe(0);

    const got = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY);
    expect(got.code, got.stderr).toBe(0);
    const preview = got.json();
    expect(preview).toMatchObject({ repositoryName: REPOSITORY, lifecyclePolicyText: keepOneRelease, status: 'COMPLETE', summary: { expiringImageTotalCount: 3 } });
    const byDigest = Object.fromEntries(preview.previewResults.map((result: { imageDigest: string }) => [result.imageDigest, result]));
    expect(Object.keys(byDigest).sort()).toEqual([pushed.v1, pushed.v2, pushed.u1].sort());
    expect(byDigest[pushed.v1!]).toMatchObject({ imageTags: ['v1'], action: { type: 'EXPIRE' }, appliedRulePriority: 1 });
    expect(byDigest[pushed.u1!]).toMatchObject({ action: { type: 'EXPIRE' }, appliedRulePriority: 2 });
    expect(byDigest[pushed.u1!].imageTags).toBeUndefined();
    const described = await aws('describe-images', '--repository-name', REPOSITORY, '--image-ids', 'imageTag=v1');
    expect(byDigest[pushed.v1!].imagePushedAt).toBe(described.json().imageDetails[0].imagePushedAt);

    // A preview deletes nothing and saves nothing.
    expect(await images()).toBe(5);
    expect((await aws('get-lifecycle-policy', '--repository-name', REPOSITORY)).stderr).toContain('LifecyclePolicyNotFoundException');
  });

  it('pages the results with maxResults and nextToken, and filters them by image and tag status', async () => {
    expect((await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease)).code).toBe(0);
    const digests = (answer: { previewResults: { imageDigest: string }[] }) => answer.previewResults.map((result) => result.imageDigest);
    const whole = digests((await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY)).json());

    // The CLI asks one result at a time, following each nextToken, and joins the pages.
    const paged = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--page-size', '1');
    expect(paged.code, paged.stderr).toBe(0);
    expect(digests(paged.json())).toEqual(whole);
    const first = (await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--max-items', '2')).json();
    expect(digests(first)).toEqual(whole.slice(0, 2));
    const rest = (await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--starting-token', first.NextToken)).json();
    expect(digests(rest)).toEqual(whole.slice(2));

    const named = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--image-ids', 'imageTag=v2', `imageDigest=${pushed.u1}`, 'imageTag=v3');
    expect(digests(named.json()).sort()).toEqual([pushed.v2, pushed.u1].sort());
    // The summary counts the whole preview, whatever the filter.
    expect(named.json().summary).toEqual({ expiringImageTotalCount: 3 });
    const untagged = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--filter', 'tagStatus=UNTAGGED');
    expect(digests(untagged.json())).toEqual([pushed.u1]);
    const tagged = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--filter', 'tagStatus=TAGGED', '--page-size', '1');
    expect(digests(tagged.json()).sort()).toEqual([pushed.v1, pushed.v2].sort());
  });

  it('previews the saved policy when given no text, and the next preview replaces the last', async () => {
    expect((await aws('put-lifecycle-policy', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepTwoReleases)).code).toBe(0);
    const started = await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY);
    expect(started.code, started.stderr).toBe(0);
    expect(started.json().lifecyclePolicyText).toBe(keepTwoReleases);
    const preview = (await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY)).json();
    expect(preview.lifecyclePolicyText).toBe(keepTwoReleases);
    expect(preview.previewResults.map((result: { imageTags: string[] }) => result.imageTags)).toEqual([['v1']]);
    expect(preview.summary).toEqual({ expiringImageTotalCount: 1 });
    expect(await images()).toBe(5);
    expect((await aws('delete-lifecycle-policy', '--repository-name', REPOSITORY)).code).toBe(0);
  });

  it('refuses text that is not a valid policy, a repository without a policy, and one that does not exist, in ECR\'s words', async () => {
    const invalid = await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY,
      '--lifecycle-policy-text', policy(rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })));
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('InvalidParameterException');
    expect(invalid.stderr).toContain('Lifecycle policy validation failure');
    // Shorter than ECR's model allows: the CLI itself refuses it, so it is sent signed as a client that does not check would.
    const short = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.StartLifecyclePolicyPreview', {
      repositoryName: REPOSITORY, lifecyclePolicyText: '{"rules":[]}',
    }));
    expect(short.status).toBe(400);
    expect(((await short.json()) as { __type: string }).__type).toBe('ValidationException');

    const none = await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('LifecyclePolicyNotFoundException');
    expect(none.stderr).toContain(`Lifecycle policy does not exist for the repository with name '${REPOSITORY}'`);

    for (const action of ['start-lifecycle-policy-preview', 'get-lifecycle-policy-preview']) {
      const missing = await aws(action, '--repository-name', 'preview/none');
      expect(missing.stderr).toContain('RepositoryNotFoundException');
    }
    await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: 'preview/never' }));
    const never = await aws('get-lifecycle-policy-preview', '--repository-name', 'preview/never');
    expect(never.code).not.toBe(0);
    expect(never.stderr).toContain('LifecyclePolicyPreviewNotFoundException');
    expect(await images()).toBe(5);
  });

  it('refuses imageIds with maxResults, and maxResults out of ECR\'s range', async () => {
    const ecr = ecrClient(registry());
    await expect(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPOSITORY, imageIds: [{ imageTag: 'v1' }], maxResults: 5 })))
      .rejects.toMatchObject({ name: 'InvalidParameterException', message: 'imageIds cannot be combined with maxResults or nextToken' });
    await expect(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPOSITORY, maxResults: 101 })))
      .rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: REPOSITORY, nextToken: 'not-a-token' })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('needs ecr:StartLifecyclePolicyPreview and ecr:GetLifecyclePolicyPreview, which a repository policy may deny', async () => {
    const reader = await issuedKey('preview-reader', ['ecr:ListImages', 'ecr:GetLifecyclePolicy', 'ecr:GetLifecyclePolicyPreview']);
    const refused = await cliAs(registry(), reader)('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('AccessDeniedException');
    expect(refused.stderr).toContain(`${reader.principalArn} is not authorized to perform: ecr:StartLifecyclePolicyPreview`);

    const previewer = await issuedKey('previewer', ['ecr:StartLifecyclePolicyPreview', 'ecr:GetLifecyclePolicyPreview']);
    const asPreviewer = cliAs(registry(), previewer);
    expect((await asPreviewer('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease)).code).toBe(0);
    expect((await asPreviewer('get-lifecycle-policy-preview', '--repository-name', REPOSITORY)).code).toBe(0);
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: { AWS: previewer.principalArn }, Action: 'ecr:GetLifecyclePolicyPreview' }],
    });
    expect((await aws('set-repository-policy', '--repository-name', REPOSITORY, '--policy-text', deny)).code).toBe(0);
    try {
      const denied = await asPreviewer('get-lifecycle-policy-preview', '--repository-name', REPOSITORY);
      expect(denied.stderr).toContain('AccessDeniedException');
      expect(denied.stderr).toContain('ecr:GetLifecyclePolicyPreview');
      // The repository's own policy denies nothing else to that principal.
      expect((await asPreviewer('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease)).code).toBe(0);
    } finally {
      await aws('delete-repository-policy', '--repository-name', REPOSITORY);
    }
    expect(await images()).toBe(5);
  });

  it('forgets a preview BERTH_LIFECYCLE_PREVIEW_SECONDS after it was made', async () => {
    const made = new Date();
    frozen = made;
    try {
      expect((await aws('start-lifecycle-policy-preview', '--repository-name', REPOSITORY, '--lifecycle-policy-text', keepOneRelease)).code).toBe(0);
      frozen = new Date(made.getTime() + 59_000);
      expect((await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY)).code).toBe(0);
      frozen = new Date(made.getTime() + 60_000);
      const expired = await aws('get-lifecycle-policy-preview', '--repository-name', REPOSITORY);
      expect(expired.code).not.toBe(0);
      expect(expired.stderr).toContain('LifecyclePolicyPreviewNotFoundException');
    } finally {
      frozen = undefined;
    }
  });
});

it('keeps no preview of a repository deleted and created again', async () => {
  const running = await startTestRegistry();
  try {
    const ecr = ecrClient(running);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'preview/again' }));
    await clientOf(running).pushImage('preview/again', 'v1', ociImage());
    const start = await send(await signedManagementRequest(running, 'AmazonEC2ContainerRegistry_V20150921.StartLifecyclePolicyPreview', {
      repositoryName: 'preview/again', lifecyclePolicyText: keepOneRelease,
    }));
    expect(start.status).toBe(200);
    const deleted = await send(await signedManagementRequest(running, 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository', { repositoryName: 'preview/again', force: true }));
    expect(deleted.status).toBe(200);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'preview/again' }));
    await expect(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview/again' }))).rejects.toMatchObject({ name: 'LifecyclePolicyPreviewNotFoundException' });
  } finally {
    await running.stop();
  }
});
