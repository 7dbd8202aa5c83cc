import {
  CreateRepositoryCommand, DeleteRepositoryCommand, DescribeRepositoriesCommand,
  type DescribeRepositoriesCommandOutput, type Repository, type Tag,
} from '@aws-sdk/client-ecr';
import { flagOption, stringOption, stringsOption, type Command, type Ecr } from '../command.js';
import { allPages } from '../pages.js';
import { UsageError } from '../errors.js';
import { fields, formatDate, table, withoutMetadata } from '../output.js';
import { exclusionFilters, mutabilityOf } from './mutability.js';

/** berth repository create|list|describe|delete: CreateRepository, DescribeRepositories, DeleteRepository. */

/** The repository, by DescribeRepositories; RepositoryNotFoundException when there is none. */
export async function describeRepository(ecr: Ecr, name: string): Promise<Repository> {
  const { repositories = [] } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
  const repository = repositories[0];
  if (!repository) throw new Error(`DescribeRepositories answered no repository for ${name}`);
  return repository;
}

/** Resource tags from `key=value` arguments. */
export function parseTags(pairs: readonly string[]): Tag[] {
  return pairs.map((pair) => {
    const equals = pair.indexOf('=');
    if (equals < 1) throw new UsageError(`a tag is KEY=VALUE, not '${pair}'`);
    return { Key: pair.slice(0, equals), Value: pair.slice(equals + 1) };
  });
}

function repositoryFields(repository: Repository): string {
  const exclusions = repository.imageTagMutabilityExclusionFilters?.map((filter) => filter.filter).join(', ');
  const encryption = repository.encryptionConfiguration;
  return fields([
    ['Name', repository.repositoryName],
    ['URI', repository.repositoryUri],
    ['ARN', repository.repositoryArn],
    ['Registry ID', repository.registryId],
    ['Created', formatDate(repository.createdAt)],
    ['Tag mutability', repository.imageTagMutability],
    ...(exclusions ? [['Exclusions', exclusions] as const] : []),
    ['Scan on push', String(repository.imageScanningConfiguration?.scanOnPush ?? false)],
    ['Encryption', encryption && [encryption.encryptionType, encryption.kmsKey].filter(Boolean).join(' ')],
  ]);
}

const create: Command = {
  name: ['repository', 'create'],
  args: ['NAME'],
  synopsis: '[--immutable | --tag-mutability X [--exclude PATTERN ...]] [--tag KEY=VALUE ...] [--scan-on-push]',
  summary: 'Creates a repository.',
  options: {
    'immutable': { type: 'boolean', description: 'tags cannot be moved to another image (IMMUTABLE)' },
    'tag-mutability': { type: 'string', value: 'X', description: 'MUTABLE (default), IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION' },
    'exclude': { type: 'string', multiple: true, value: 'PATTERN', description: 'tags exempt from the *_WITH_EXCLUSION setting, with * wildcards' },
    'tag': { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'a resource tag' },
    'scan-on-push': { type: 'boolean', description: 'ask for a scan of each pushed image' },
  },
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals;
    const immutable = flagOption(input, 'immutable');
    const given = stringOption(input, 'tag-mutability');
    if (immutable && given !== undefined) throw new UsageError('give --immutable or --tag-mutability, not both');
    const setting = immutable ? 'IMMUTABLE' : given;
    const excludes = stringsOption(input, 'exclude');
    if (setting === undefined && excludes.length > 0) throw new UsageError('--exclude goes with --tag-mutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION');
    const mutability = setting === undefined ? undefined : mutabilityOf(setting, excludes);
    const tags = parseTags(stringsOption(input, 'tag'));
    const response = await ecr().send(new CreateRepositoryCommand({
      repositoryName,
      ...(mutability ? { imageTagMutability: mutability, ...exclusionFilters(excludes) } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(flagOption(input, 'scan-on-push') ? { imageScanningConfiguration: { scanOnPush: true } } : {}),
    }));
    return { data: withoutMetadata(response), text: () => repositoryFields(response.repository ?? {}) };
  },
};

const list: Command = {
  name: ['repository', 'list'],
  args: [],
  summary: 'Lists the repositories.',
  async run(_input, { ecr }) {
    const repositories: Repository[] = await allPages(async (nextToken) => {
      const page: DescribeRepositoriesCommandOutput = await ecr().send(new DescribeRepositoriesCommand({ ...(nextToken ? { nextToken } : {}) }));
      return { items: page.repositories, nextToken: page.nextToken };
    });
    return {
      data: { repositories },
      text: () => table(['Name', 'URI', 'Tag mutability', 'Created'], repositories.map((repository) => [
        repository.repositoryName, repository.repositoryUri, repository.imageTagMutability, formatDate(repository.createdAt),
      ])),
    };
  },
};

const describe: Command = {
  name: ['repository', 'describe'],
  args: ['NAME'],
  summary: 'Shows a repository\'s settings.',
  async run(input, { ecr }) {
    const repository = await describeRepository(ecr(), input.positionals[0]!);
    return { data: { repositories: [repository] }, text: () => repositoryFields(repository) };
  },
};

const remove: Command = {
  name: ['repository', 'delete'],
  args: ['NAME'],
  synopsis: '[--force]',
  summary: 'Deletes a repository; one that holds images only with --force, which deletes them too.',
  options: {
    force: { type: 'boolean', description: 'delete the repository\'s images with it' },
  },
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals;
    const response = await ecr().send(new DeleteRepositoryCommand({ repositoryName, ...(flagOption(input, 'force') ? { force: true } : {}) }));
    return { data: withoutMetadata(response), text: () => `Deleted repository ${repositoryName}.` };
  },
};

export const REPOSITORY_COMMANDS: readonly Command[] = [create, list, describe, remove];
