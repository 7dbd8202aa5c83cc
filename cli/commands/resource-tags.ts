import { ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecr';
import type { Command, Ecr } from '../command.js';
import { table, withoutMetadata } from '../output.js';
import { describeRepository, parseTags } from './repository.js';

/**
 * berth tag|untag|tags: a repository's resource tags, by TagResource, UntagResource
 * and ListTagsForResource, which address it by the ARN DescribeRepositories gives.
 */

async function arnOf(ecr: Ecr, name: string): Promise<string> {
  const { repositoryArn } = await describeRepository(ecr, name);
  if (!repositoryArn) throw new Error(`DescribeRepositories answered no ARN for ${name}`);
  return repositoryArn;
}

const tag: Command = {
  name: ['tag'],
  args: ['NAME', 'KEY=VALUE...'],
  summary: 'Adds resource tags to a repository, or changes their values.',
  async run(input, { ecr }) {
    const [name, ...pairs] = input.positionals as [string, ...string[]];
    const tags = parseTags(pairs);
    const response = await ecr().send(new TagResourceCommand({ resourceArn: await arnOf(ecr(), name), tags }));
    return { data: withoutMetadata(response), text: () => `Tagged repository ${name} with ${pairs.join(', ')}.` };
  },
};

const untag: Command = {
  name: ['untag'],
  args: ['NAME', 'KEY...'],
  summary: 'Removes resource tags from a repository.',
  async run(input, { ecr }) {
    const [name, ...tagKeys] = input.positionals as [string, ...string[]];
    const response = await ecr().send(new UntagResourceCommand({ resourceArn: await arnOf(ecr(), name), tagKeys }));
    return { data: withoutMetadata(response), text: () => `Removed tags ${tagKeys.join(', ')} from repository ${name}.` };
  },
};

const tags: Command = {
  name: ['tags'],
  args: ['NAME'],
  summary: 'Lists a repository\'s resource tags.',
  async run(input, { ecr }) {
    const [name] = input.positionals as [string];
    const response = await ecr().send(new ListTagsForResourceCommand({ resourceArn: await arnOf(ecr(), name) }));
    return { data: withoutMetadata(response), text: () => table(['Key', 'Value'], (response.tags ?? []).map((t) => [t.Key, t.Value])) };
  },
};

export const RESOURCE_TAG_COMMANDS: readonly Command[] = [tag, untag, tags];
