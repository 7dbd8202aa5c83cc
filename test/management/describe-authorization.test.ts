import {
  CreateRepositoryCommand, CreateRepositoryCreationTemplateCommand, DescribeImagesCommand, DescribeRepositoriesCommand,
  ECRClient, ListImagesCommand, ListTagsForResourceCommand, SetRepositoryPolicyCommand, TagResourceCommand,
  type DescribeRepositoriesCommandOutput,
} from '@aws-sdk/client-ecr';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { ecrClient } from '../support/aws-cli.js';
import { useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();

interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  principalArn: string;
}

/** Every repository of this file's registry; `prod/*` ones are out of the key's reach. */
const VISIBLE = ['a/one', 'b/two', 'team/api', 'team/app', 'zeta/last'];
const PROD = ['prod/a', 'prod/app', 'prod/b', 'prod/c', 'prod/d'];
/** Visible to the key by its own policy, refused to it by the repository's. */
const LOCKED = 'team/locked';

const arn = (name: string) => `arn:aws:ecr:${registry().identity.region}:${registry().identity.accountId}:repository/${name}`;

async function createKey(principalName: string, policy: unknown): Promise<IssuedKey> {
  const response = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CreateAccessKey`, {
    principalName, policyText: JSON.stringify(policy),
  }));
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessKey: IssuedKey }).accessKey;
}

function clientFor(key: IssuedKey): ECRClient {
  return new ECRClient({ endpoint: registry().url, region: registry().identity.region, credentials: key });
}

/** A request as an SDK would not send it (members of the wrong type), signed with the key. */
async function raw(action: string, body: unknown, key: IssuedKey): Promise<{ status: number; type: string; message: string }> {
  const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}${action}`, body, { credentials: key }));
  const parsed = (await response.json()) as { __type: string; message: string };
  return { status: response.status, type: parsed.__type, message: parsed.message };
}

/** Every page of DescribeRepositories with `maxResults`, as a paginating client reads them. */
async function allPages(ecr: ECRClient, maxResults: number): Promise<DescribeRepositoriesCommandOutput[]> {
  const pages: DescribeRepositoriesCommandOutput[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults, ...(nextToken === undefined ? {} : { nextToken }) }));
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken !== undefined && pages.length < 20);
  return pages;
}

const names = (output: DescribeRepositoriesCommandOutput) => (output.repositories ?? []).map((repository) => repository.repositoryName);

let notProd: IssuedKey;

beforeAll(async () => {
  const admin = ecrClient(registry());
  for (const name of [...VISIBLE, ...PROD, LOCKED]) await admin.send(new CreateRepositoryCommand({ repositoryName: name }));
  notProd = await createKey('not-prod', { Statement: [{ Effect: 'Allow', Action: 'ecr:*', NotResource: arn('prod/*') }] });
  await admin.send(new SetRepositoryPolicyCommand({
    repositoryName: LOCKED,
    policyText: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { AWS: notProd.principalArn }, Action: 'ecr:DescribeRepositories' }] }),
  }));
});

describe('DescribeRepositories without names', () => {
  it('lists only the repositories the key may describe, by its policy and each repository\'s', async () => {
    const listed = await clientFor(notProd).send(new DescribeRepositoriesCommand({}));
    expect(names(listed)).toEqual(VISIBLE);
    expect(listed.nextToken).toBeUndefined();
  });

  it('lists every repository for the administrator', async () => {
    const listed = await ecrClient(registry()).send(new DescribeRepositoriesCommand({}));
    expect(names(listed)).toEqual([...VISIBLE, ...PROD, LOCKED].sort());
  });

  it('fills each page with maxResults visible repositories, and pages through them all once', async () => {
    for (const maxResults of [1, 2, 3]) {
      const pages = await allPages(clientFor(notProd), maxResults);
      expect(pages.flatMap(names), `maxResults ${maxResults}`).toEqual(VISIBLE);
      // Every page but the last is full; a token follows a page only when more may follow.
      for (const page of pages.slice(0, -1)) expect(names(page)).toHaveLength(maxResults);
      expect(pages.at(-1)!.nextToken).toBeUndefined();
    }
  });
});

describe('DescribeRepositories with names', () => {
  it('describes a repository the key may describe', async () => {
    const described = await clientFor(notProd).send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app'] }));
    expect(described.repositories).toEqual([expect.objectContaining({ repositoryName: 'team/app', repositoryArn: arn('team/app') })]);
  });

  it('refuses the whole request when one named repository is not the key\'s to describe', async () => {
    for (const repositoryNames of [['prod/app'], ['team/app', 'prod/app'], [LOCKED]]) {
      const refused = clientFor(notProd).send(new DescribeRepositoriesCommand({ repositoryNames }));
      await expect(refused, repositoryNames.join()).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
        message: `User: ${notProd.principalArn} is not authorized to perform: ecr:DescribeRepositories on resource: ${arn(repositoryNames.at(-1)!)}`,
      });
    }
  });

  it('refuses a repository the key may not describe whether or not it exists, and reports a missing one it may', async () => {
    await expect(clientFor(notProd).send(new DescribeRepositoriesCommand({ repositoryNames: ['prod/missing'] })))
      .rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(clientFor(notProd).send(new DescribeRepositoriesCommand({ repositoryNames: ['team/missing'] })))
      .rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('answers InvalidParameterException for a name outside ECR\'s grammar, in the words it uses for repositoryName', async () => {
    const cases: [string, string][] = [
      ['Upper/Case', 'must satisfy regular expression'],
      ['a', 'must have length greater than or equal to 2'],
      ['x'.repeat(257), 'must have length less than or equal to 256'],
    ];
    for (const [name, constraint] of cases) {
      const refused = clientFor(notProd).send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app', name] }));
      await expect(refused, name).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining(`Invalid parameter at 'repositoryNames' failed to satisfy constraint: '${constraint}`) });
      const single = await raw('CreateRepository', { repositoryName: name }, notProd);
      expect(single.message.replace("'repositoryName'", "'repositoryNames'")).toBe((await raw('DescribeRepositories', { repositoryNames: [name] }, notProd)).message);
    }
    expect(await raw('DescribeRepositories', { repositoryNames: [42] }, notProd)).toMatchObject({ status: 400, type: 'SerializationException' });
  });
});

describe('other actions of the key', () => {
  it('authorizes image reads on the repository they name', async () => {
    const ecr = clientFor(notProd);
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'prod/app' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(ecr.send(new ListImagesCommand({ repositoryName: 'prod/app' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await ecr.send(new ListImagesCommand({ repositoryName: 'team/app' }))).imageIds).toEqual([]);
  });

  it('authorizes resource-tag actions on the repository of the ARN, whatever repositoryName the input adds', async () => {
    const ecr = clientFor(notProd);
    await expect(ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('prod/app') }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    for (const action of ['ListTagsForResource', 'TagResource']) {
      const smuggled = await raw(action, { resourceArn: arn('prod/app'), repositoryName: 'team/app', tags: [{ Key: 'owner', Value: 'mallory' }] }, notProd);
      expect(smuggled, action).toMatchObject({ status: 403, type: 'AccessDeniedException', message: expect.stringContaining(`on resource: ${arn('prod/app')}`) });
    }
    const tags = await ecrClient(registry()).send(new ListTagsForResourceCommand({ resourceArn: arn('prod/app') }));
    expect(tags.tags).toEqual([]);
    await ecr.send(new TagResourceCommand({ resourceArn: arn('team/app'), tags: [{ Key: 'owner', Value: 'team' }] }));
    expect((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('team/app') }))).tags).toEqual([{ Key: 'owner', Value: 'team' }]);
  });

  it('authorizes registry-wide actions registry-wide, whatever repositoryName the input adds', async () => {
    const teamOnly = await createKey('team-only', { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: arn('team/*') }] });
    const template = { prefix: 'prod', appliedFor: ['CREATE_ON_PUSH' as const] };
    await expect(clientFor(teamOnly).send(new CreateRepositoryCreationTemplateCommand(template))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const smuggled = await raw('CreateRepositoryCreationTemplate', { ...template, repositoryName: 'team/app' }, teamOnly);
    expect(smuggled).toMatchObject({ status: 403, type: 'AccessDeniedException', message: expect.stringContaining('on resource: *') });
  });
});
