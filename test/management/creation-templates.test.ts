import {
  CreateRepositoryCreationTemplateCommand, DeleteRepositoryCreationTemplateCommand, DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand, ListTagsForResourceCommand, UpdateRepositoryCreationTemplateCommand,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { ociImage } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

const registry = useRegistry();

describe('repository creation templates', () => {
  it('applies the longest matching prefix to repositories created on push, and ROOT to the rest', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCreationTemplateCommand({
      prefix: 'prod', appliedFor: ['CREATE_ON_PUSH'], imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'stage', Value: 'prod' }],
    }));
    await ecr.send(new CreateRepositoryCreationTemplateCommand({
      prefix: 'prod/edge', appliedFor: ['CREATE_ON_PUSH'], imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    }));
    await ecr.send(new CreateRepositoryCreationTemplateCommand({
      prefix: 'ROOT', appliedFor: ['CREATE_ON_PUSH'], encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/default-repos' },
    }));
    await ecr.send(new CreateRepositoryCreationTemplateCommand({
      prefix: 'cache', appliedFor: ['PULL_THROUGH_CACHE'], imageTagMutability: 'IMMUTABLE',
    }));

    const client = clientOf(registry());
    for (const name of ['prod/api', 'prod/edge/proxy', 'dev/api', 'cache/api', 'production']) await client.pushImage(name, 'v1', ociImage());
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['prod/api', 'prod/edge/proxy', 'dev/api', 'cache/api', 'production'] }));
    const byName = new Map(described.repositories!.map((repository) => [repository.repositoryName, repository]));
    expect(byName.get('prod/api')?.imageTagMutability).toBe('IMMUTABLE');
    expect(byName.get('prod/edge/proxy')?.imageTagMutability).toBe('MUTABLE_WITH_EXCLUSION');
    expect(byName.get('prod/edge/proxy')?.imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: 'release-*' }]);
    // "production" is not in the prod/ namespace, and the cache template is not for pushes.
    for (const name of ['dev/api', 'cache/api', 'production']) {
      expect(byName.get(name)?.imageTagMutability).toBe('MUTABLE');
      expect(byName.get(name)?.encryptionConfiguration).toEqual({ encryptionType: 'KMS', kmsKey: 'alias/default-repos' });
    }
    const tags = await ecr.send(new ListTagsForResourceCommand({ resourceArn: byName.get('prod/api')!.repositoryArn }));
    expect(tags.tags).toEqual([{ Key: 'stage', Value: 'prod' }]);
  });

  it('describes, updates and deletes templates, with ECR\'s errors', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'team/', appliedFor: ['CREATE_ON_PUSH'], description: 'team repos' }));
    await expect(ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['CREATE_ON_PUSH'] })))
      .rejects.toMatchObject({ name: 'TemplateAlreadyExistsException' });

    const described = await ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['team'] }));
    expect(described.repositoryCreationTemplates?.[0]).toMatchObject({ prefix: 'team', description: 'team repos', appliedFor: ['CREATE_ON_PUSH'] });
    expect(described.repositoryCreationTemplates?.[0]?.createdAt).toBeInstanceOf(Date);

    const updated = await ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['CREATE_ON_PUSH'], description: 'changed' }));
    expect(updated.repositoryCreationTemplate?.description).toBe('changed');
    const deleted = await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'team' }));
    expect(deleted.repositoryCreationTemplate?.prefix).toBe('team');

    await expect(ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'team' }))).rejects.toMatchObject({ name: 'TemplateNotFoundException' });
    await expect(ecr.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'team', appliedFor: ['CREATE_ON_PUSH'] }))).rejects.toMatchObject({ name: 'TemplateNotFoundException' });
    await expect(ecr.send(new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['nope'] }))).rejects.toMatchObject({ name: 'TemplateNotFoundException' });
    await expect(ecr.send(new CreateRepositoryCreationTemplateCommand({ prefix: 'Bad Prefix', appliedFor: ['CREATE_ON_PUSH'] })))
      .rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describeWith([awsCli], 'DescribeRegistry', () => {
  it('names the registry and an empty replication configuration', async () => {
    const result = await ecrCli(registry())('describe-registry');
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual({ registryId: registry().identity.accountId, replicationConfiguration: { rules: [] } });
  });
});
