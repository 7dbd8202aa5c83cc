import {
  CreatePullThroughCacheRuleCommand, DeletePullThroughCacheRuleCommand, DescribePullThroughCacheRulesCommand, type PullThroughCacheRule,
} from '@aws-sdk/client-ecr';
import { stringOption, type Command } from '../command.js';
import { fields, formatDate, table, withoutMetadata } from '../output.js';

/**
 * berth cache-rule create|list|delete: ECR's pull-through cache rules. A pull of
 * <registry>/<prefix>/<repository>:<tag> brings the image from the upstream (docs/pull-through-cache.md).
 */

function pullExample(registryUrl: string, prefix: string): string {
  const host = new URL(registryUrl).host;
  return `${host}/${prefix === 'ROOT' ? '' : `${prefix}/`}REPOSITORY:TAG`;
}

const create: Command = {
  name: ['cache-rule', 'create'],
  args: ['PREFIX', 'UPSTREAM'],
  synopsis: '[--credential-arn ARN] [--upstream-prefix P]',
  summary: 'Makes the repositories under PREFIX a pull-through cache of the registry UPSTREAM (a host, e.g. registry-1.docker.io, ghcr.io, quay.io).',
  options: {
    'credential-arn': { type: 'string', value: 'ARN', description: 'the Secrets Manager secret ecr-pullthroughcache/... holding {"username", "accessToken"} for the upstream' },
    'upstream-prefix': { type: 'string', value: 'P', description: 'the upstream namespace PREFIX maps to (default: the upstream\'s root)' },
  },
  async run(input, { ecr, registry }) {
    const [ecrRepositoryPrefix, upstreamRegistryUrl] = input.positionals as [string, string];
    const credentialArn = stringOption(input, 'credential-arn');
    const upstreamRepositoryPrefix = stringOption(input, 'upstream-prefix');
    const response = await ecr().send(new CreatePullThroughCacheRuleCommand({
      ecrRepositoryPrefix, upstreamRegistryUrl,
      ...(credentialArn === undefined ? {} : { credentialArn }),
      ...(upstreamRepositoryPrefix === undefined ? {} : { upstreamRepositoryPrefix }),
    }));
    return {
      data: withoutMetadata(response),
      text: () => [
        fields([
          ['Prefix', response.ecrRepositoryPrefix],
          ['Upstream', response.upstreamRegistryUrl],
          ['Upstream prefix', response.upstreamRepositoryPrefix],
          ['Credentials', response.credentialArn],
        ]),
        '',
        `Pull through it: docker pull ${pullExample(registry.url, response.ecrRepositoryPrefix ?? ecrRepositoryPrefix)}`,
      ].join('\n'),
    };
  },
};

const list: Command = {
  name: ['cache-rule', 'list'],
  args: [],
  summary: 'Lists the pull-through cache rules.',
  async run(_input, { ecr }) {
    const rules: PullThroughCacheRule[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr().send(new DescribePullThroughCacheRulesCommand({ ...(nextToken ? { nextToken } : {}) }));
      rules.push(...(page.pullThroughCacheRules ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return {
      data: { pullThroughCacheRules: rules },
      text: () => table(['Prefix', 'Upstream', 'Upstream prefix', 'Credentials', 'Created'], rules.map((rule) => [
        rule.ecrRepositoryPrefix, rule.upstreamRegistryUrl, rule.upstreamRepositoryPrefix, rule.credentialArn, formatDate(rule.createdAt),
      ])),
    };
  },
};

const remove: Command = {
  name: ['cache-rule', 'delete'],
  args: ['PREFIX'],
  summary: 'Deletes a pull-through cache rule: its repositories keep what they cached, and get nothing more from the upstream.',
  async run(input, { ecr }) {
    const [ecrRepositoryPrefix] = input.positionals as [string];
    const response = await ecr().send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix }));
    return {
      data: withoutMetadata(response),
      text: () => `Deleted cache rule ${response.ecrRepositoryPrefix} (${response.upstreamRegistryUrl}); its repositories keep what they cached.`,
    };
  },
};

export const CACHE_RULE_COMMANDS: readonly Command[] = [create, list, remove];
