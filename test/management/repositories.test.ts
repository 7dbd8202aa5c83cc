import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeRepositoriesCommand, PutImageTagMutabilityCommand, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { ociImage } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

const registry = useRegistry();
describeWith([awsCli], 'repositories with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);

  it('creates a repository with tags, scanning and encryption settings, and describes it', async () => {
    const created = await aws('create-repository', '--repository-name', 'cli/app', '--tags', 'Key=team,Value=core',
      '--image-scanning-configuration', 'scanOnPush=true', '--encryption-configuration', 'encryptionType=KMS,kmsKey=alias/berth');
    expect(created.code, created.stderr).toBe(0);
    const repository = created.json().repository;
    expect(repository).toMatchObject({
      repositoryName: 'cli/app',
      repositoryArn: `arn:aws:ecr:${registry().identity.region}:${registry().identity.accountId}:repository/cli/app`,
      registryId: registry().identity.accountId,
      repositoryUri: `${registry().identity.registryHost}/cli/app`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/berth' },
    });

    const described = await aws('describe-repositories', '--repository-names', 'cli/app');
    expect(described.json().repositories).toEqual([repository]);
    const tags = await aws('list-tags-for-resource', '--resource-arn', repository.repositoryArn);
    expect(tags.json().tags).toEqual([{ Key: 'team', Value: 'core' }]);
  });

  it('refuses a second repository of the same name, and names outside ECR\'s grammar', async () => {
    await aws('create-repository', '--repository-name', 'cli/twice');
    const again = await aws('create-repository', '--repository-name', 'cli/twice');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('RepositoryAlreadyExistsException');
    const invalid = await aws('create-repository', '--repository-name', 'Upper/Case');
    expect(invalid.stderr).toContain('(InvalidParameterException) when calling the CreateRepository operation: '
      + 'Invalid parameter at \'repositoryName\' failed to satisfy constraint: '
      + '\'must satisfy regular expression \'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\'\'');
  });

  it('answers RepositoryNotFoundException for a repository that does not exist', async () => {
    const missing = await aws('describe-repositories', '--repository-names', 'cli/nowhere');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('RepositoryNotFoundException');
    const deleted = await aws('delete-repository', '--repository-name', 'cli/nowhere');
    expect(deleted.stderr).toContain('RepositoryNotFoundException');
  });

  it('pages DescribeRepositories with maxResults and nextToken, as the CLI paginates', async () => {
    for (const name of ['page/a', 'page/b', 'page/c']) await aws('create-repository', '--repository-name', name);
    const first = await aws('describe-repositories', '--max-items', '2', '--page-size', '1');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().repositories).toHaveLength(2);
    expect(first.json().NextToken).toBeDefined();
    const all = await aws('describe-repositories', '--page-size', '1');
    const names = all.json().repositories.map((repository: { repositoryName: string }) => repository.repositoryName);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['page/a', 'page/b', 'page/c']));
  });

  it('deletes an empty repository, and a non-empty one only with --force', async () => {
    const client = clientOf(registry());
    await aws('create-repository', '--repository-name', 'cli/full');
    await client.pushImage('cli/full', 'v1', ociImage());
    const refused = await aws('delete-repository', '--repository-name', 'cli/full');
    expect(refused.stderr).toContain('RepositoryNotEmptyException');
    const forced = await aws('delete-repository', '--repository-name', 'cli/full', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json().repository.repositoryName).toBe('cli/full');
    expect((await client.request('GET', '/v2/cli/full/tags/list')).status).toBe(404);
    const catalog = (await (await client.request('GET', '/v2/_catalog')).json()) as { repositories: string[] };
    expect(catalog.repositories).not.toContain('cli/full');

    await aws('create-repository', '--repository-name', 'cli/empty');
    expect((await aws('delete-repository', '--repository-name', 'cli/empty')).code).toBe(0);
  });

  it('sets tag mutability', async () => {
    await aws('create-repository', '--repository-name', 'cli/mutability');
    const put = await aws('put-image-tag-mutability', '--repository-name', 'cli/mutability', '--image-tag-mutability', 'IMMUTABLE');
    expect(put.json()).toEqual({ registryId: registry().identity.accountId, repositoryName: 'cli/mutability', imageTagMutability: 'IMMUTABLE' });
    const described = await aws('describe-repositories', '--repository-names', 'cli/mutability');
    expect(described.json().repositories[0].imageTagMutability).toBe('IMMUTABLE');
  });
});

describe('repositories with the AWS SDK', () => {
  it('creates a repository whose tags are immutable with exclusions, and changes the setting', async () => {
    const ecr = ecrClient(registry());
    const created = await ecr.send(new CreateRepositoryCommand({
      repositoryName: 'sdk/app',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
    }));
    expect(created.repository?.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
    expect(created.repository?.imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: 'dev-*' }]);
    expect(created.repository?.createdAt).toBeInstanceOf(Date);

    const changed = await ecr.send(new PutImageTagMutabilityCommand({
      repositoryName: 'sdk/app', imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    }));
    expect(changed.imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: 'release-*' }]);
  });

  it('refuses exclusion filters without an exclusion mode, and an exclusion mode without filters', async () => {
    const ecr = ecrClient(registry());
    await expect(ecr.send(new CreateRepositoryCommand({
      repositoryName: 'sdk/bad-filters', imageTagMutability: 'IMMUTABLE',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'x*' }],
    }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(ecr.send(new CreateRepositoryCommand({
      repositoryName: 'sdk/no-filters', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('refuses names outside ECR\'s constraint with InvalidParameterException in ECR\'s words, and a missing name with ValidationException', async () => {
    const create = (repositoryName: string | undefined) => ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName }));
    const constraint = (text: string) => ({ name: 'InvalidParameterException', message: `Invalid parameter at 'repositoryName' failed to satisfy constraint: '${text}'` });
    await expect(create('a')).rejects.toMatchObject(constraint('must have length greater than or equal to 2'));
    await expect(create('a'.repeat(257))).rejects.toMatchObject(constraint('must have length less than or equal to 256'));
    for (const name of ['sdk//double', 'sdk/trailing/', 'sdk__under', 'sdk/app\n', 'Sdk/app']) {
      await expect(create(name)).rejects.toMatchObject(constraint('must satisfy regular expression \'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\''));
    }
    await expect(create(undefined)).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ecrClient(registry()).send(new PutImageTagMutabilityCommand({ repositoryName: 'No', imageTagMutability: 'MUTABLE' })))
      .rejects.toMatchObject(constraint('must satisfy regular expression \'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\''));
    expect((await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: 'a'.repeat(256) }))).repository?.repositoryName).toHaveLength(256);
  });

  it('raises RepositoryNotFoundException as the SDK\'s typed error', async () => {
    const ecr = ecrClient(registry());
    await expect(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['sdk/none'] })))
      .rejects.toBeInstanceOf(RepositoryNotFoundException);
  });

  it('creates repositories on push with the default settings', async () => {
    await clientOf(registry()).pushImage('sdk/pushed', 'v1', ociImage());
    const described = await ecrClient(registry()).send(new DescribeRepositoriesCommand({ repositoryNames: ['sdk/pushed'] }));
    expect(described.repositories?.[0]).toMatchObject({ repositoryName: 'sdk/pushed', imageTagMutability: 'MUTABLE' });
  });

  it('leaves a repository it refused to delete without force taking pushes, and one deleted with force empty when pushed again', async () => {
    const ecr = ecrClient(registry());
    const client = clientOf(registry());
    await client.pushImage('sdk/kept', 'v1', ociImage());
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'sdk/kept' }))).rejects.toMatchObject({ name: 'RepositoryNotEmptyException' });
    await client.pushImage('sdk/kept', 'v2', ociImage());
    expect((await client.request('GET', '/v2/sdk/kept/tags/list').then((response) => response.json()))).toMatchObject({ tags: ['v1', 'v2'] });

    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'sdk/kept', force: true }));
    await client.pushImage('sdk/kept', 'v3', ociImage());
    expect((await client.request('GET', '/v2/sdk/kept/tags/list').then((response) => response.json()))).toMatchObject({ tags: ['v3'] });
  });
});
