import { ruleFor, ROOT_PREFIX, upstreamBaseUrl, upstreamKind } from '../../pull-through/rules.js';
import { openUpstream } from '../../pull-through/upstream.js';
import { UpstreamSecretError } from '../../pull-through/upstream-secrets.js';
import { UpstreamAuthError } from '../../shared/upstream/registry-client.js';
import type { CacheRuleRecord } from '../../store/cache-rule-store.js';
import type { Action, ActionContext } from '../context.js';
import { EcrError } from '../errors.js';
import { checkRegistryId } from '../identifiers.js';
import { decodeToken, encodeToken } from '../pagination.js';
import { constraintError, optionalEnum, optionalInteger, optionalList, optionalString, requiredString } from '../validation.js';
import { epochSeconds } from '../views.js';

/** ECR's pull-through cache rules: repositories under a prefix mirror an upstream registry. */

/** ECR's PullThroughCacheRuleRepositoryPrefix. */
const PREFIX = { min: 2, max: 30, pattern: /^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/ };
/** ECR's CredentialArn: a Secrets Manager secret whose name starts ecr-pullthroughcache/. */
const CREDENTIAL_ARN = { min: 50, max: 612, pattern: /^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/ };
const UPSTREAM_KINDS = ['ecr', 'ecr-public', 'quay', 'k8s', 'docker-hub', 'github-container-registry', 'azure-container-registry', 'gitlab-container-registry', 'chainguard'] as const;
/** ECR's quota of rules per registry. */
export const MAX_CACHE_RULES = 50;

/** A trailing slash names the same namespace; rules are kept without it. */
function prefixOf(context: ActionContext, field = 'ecrRepositoryPrefix'): string {
  return requiredString(context.input, field, PREFIX).replace(/\/$/, '');
}

function view(context: ActionContext, record: CacheRuleRecord, fields: (keyof CacheRuleRecord)[]): Record<string, unknown> {
  const out: Record<string, unknown> = { registryId: context.services.identity.accountId };
  for (const field of fields) {
    const value = record[field];
    if (value === undefined) continue;
    out[field] = field === 'createdAt' || field === 'updatedAt' ? epochSeconds(value) : value;
  }
  return out;
}

const ALL_FIELDS: (keyof CacheRuleRecord)[] = ['ecrRepositoryPrefix', 'upstreamRegistryUrl', 'createdAt', 'credentialArn', 'customRoleArn', 'upstreamRepositoryPrefix', 'upstreamRegistry', 'updatedAt'];

function notFound(context: ActionContext, prefix: string): EcrError {
  return new EcrError('PullThroughCacheRuleNotFoundException', `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${context.services.identity.accountId}'`);
}

/** Reads the secret as the cache will, answering as ECR does when it cannot. */
async function checkSecret(context: ActionContext, credentialArn: string): Promise<void> {
  try {
    await context.services.upstreamSecrets(credentialArn);
  } catch (error) {
    if (!(error instanceof UpstreamSecretError)) throw error;
    if (error.problem === 'not-found') throw new EcrError('SecretNotFoundException', `The secret '${credentialArn}' was not found: ${error.message}`);
    if (error.problem === 'undecryptable') throw new EcrError('UnableToDecryptSecretValueException', `The secret '${credentialArn}' could not be decrypted: ${error.message}`);
    throw new EcrError('UnableToAccessSecretException', `The secret '${credentialArn}' could not be used: ${error.message}`);
  }
}

export const createPullThroughCacheRule: Action = async (context) => {
  const { input, services } = context;
  checkRegistryId(services.identity, input);
  const ecrRepositoryPrefix = prefixOf(context);
  const upstreamRegistryUrl = requiredString(input, 'upstreamRegistryUrl');
  const url = upstreamBaseUrl(upstreamRegistryUrl);
  if (!url) {
    throw new EcrError('UnsupportedUpstreamRegistryException', `The upstream registry URL '${upstreamRegistryUrl}' is not supported: give a registry host (https), `
      + 'or an http:// URL of a registry on this machine, without a path');
  }
  const upstreamRegistry = optionalEnum(input, 'upstreamRegistry', UPSTREAM_KINDS) ?? upstreamKind(url);
  const credentialArn = optionalString(input, 'credentialArn', CREDENTIAL_ARN);
  const customRoleArn = optionalString(input, 'customRoleArn', { max: 2048 });
  const upstreamRepositoryPrefix = optionalString(input, 'upstreamRepositoryPrefix', PREFIX)?.replace(/\/$/, '');
  if (upstreamRepositoryPrefix !== undefined && upstreamRepositoryPrefix !== ROOT_PREFIX && ecrRepositoryPrefix === ROOT_PREFIX) {
    throw new EcrError('InvalidParameterException', 'Invalid parameter at \'upstreamRepositoryPrefix\' failed to satisfy constraint: \'it can be set only when ecrRepositoryPrefix is not ROOT\'');
  }
  if (credentialArn !== undefined) await checkSecret(context, credentialArn);
  if ((await services.cacheRules.listRules()).length >= MAX_CACHE_RULES) {
    throw new EcrError('LimitExceededException', `The registry with id '${services.identity.accountId}' already has ${MAX_CACHE_RULES} pull through cache rules, the most it may have`);
  }
  const now = services.now().toISOString();
  const record: CacheRuleRecord = {
    ecrRepositoryPrefix, upstreamRegistryUrl, createdAt: now, updatedAt: now,
    ...(upstreamRegistry ? { upstreamRegistry } : {}),
    ...(credentialArn ? { credentialArn } : {}),
    ...(customRoleArn ? { customRoleArn } : {}),
    ...(upstreamRepositoryPrefix && upstreamRepositoryPrefix !== ROOT_PREFIX ? { upstreamRepositoryPrefix } : {}),
  };
  if (!(await services.cacheRules.createRule(record))) {
    throw new EcrError('PullThroughCacheRuleAlreadyExistsException', `A pull through cache rule with prefix '${ecrRepositoryPrefix}' already exists in the registry with id '${services.identity.accountId}'`);
  }
  return view(context, record, ['ecrRepositoryPrefix', 'upstreamRegistryUrl', 'createdAt', 'upstreamRegistry', 'credentialArn', 'customRoleArn', 'upstreamRepositoryPrefix']);
};

export const describePullThroughCacheRules: Action = async (context) => {
  const { input, services } = context;
  checkRegistryId(services.identity, input);
  const wanted = optionalList(input, 'ecrRepositoryPrefixes', { min: 1, max: 100 })?.map((prefix) => {
    if (typeof prefix !== 'string' || prefix.length < PREFIX.min || prefix.length > PREFIX.max || !PREFIX.pattern.test(prefix)) {
      throw constraintError('ecrRepositoryPrefixes', prefix, `Member must satisfy regular expression pattern: ${PREFIX.pattern.source}`);
    }
    return prefix.replace(/\/$/, '');
  });
  const maxResults = optionalInteger(input, 'maxResults', 1, 1000);
  const after = decodeToken(optionalString(input, 'nextToken'));
  const all = await services.cacheRules.listRules();
  const missing = wanted?.find((prefix) => !all.some((rule) => rule.ecrRepositoryPrefix === prefix));
  if (missing !== undefined) throw notFound(context, missing);
  const selected = all.filter((rule) => (!wanted || wanted.includes(rule.ecrRepositoryPrefix)) && (after === undefined || rule.ecrRepositoryPrefix > after));
  const page = maxResults === undefined ? selected : selected.slice(0, maxResults);
  const more = page.length < selected.length;
  return {
    pullThroughCacheRules: page.map((rule) => view(context, rule, ALL_FIELDS)),
    ...(more ? { nextToken: encodeToken(page.at(-1)!.ecrRepositoryPrefix) } : {}),
  };
};

export const updatePullThroughCacheRule: Action = async (context) => {
  const { input, services } = context;
  checkRegistryId(services.identity, input);
  const prefix = prefixOf(context);
  const credentialArn = optionalString(input, 'credentialArn', CREDENTIAL_ARN);
  const customRoleArn = optionalString(input, 'customRoleArn', { max: 2048 });
  const existing = await services.cacheRules.getRule(prefix);
  if (!existing) throw notFound(context, prefix);
  if (credentialArn !== undefined) await checkSecret(context, credentialArn);
  const record: CacheRuleRecord = {
    ...existing,
    ...(credentialArn !== undefined ? { credentialArn } : {}),
    ...(customRoleArn !== undefined ? { customRoleArn } : {}),
    updatedAt: services.now().toISOString(),
  };
  if (!(await services.cacheRules.replaceRule(record))) throw notFound(context, prefix);
  return view(context, record, ['ecrRepositoryPrefix', 'updatedAt', 'credentialArn', 'customRoleArn', 'upstreamRepositoryPrefix']);
};

export const deletePullThroughCacheRule: Action = async (context) => {
  checkRegistryId(context.services.identity, context.input);
  const prefix = prefixOf(context);
  const deleted = await context.services.cacheRules.deleteRule(prefix);
  if (!deleted) throw notFound(context, prefix);
  return view(context, deleted, ['ecrRepositoryPrefix', 'upstreamRegistryUrl', 'createdAt', 'credentialArn', 'customRoleArn', 'upstreamRepositoryPrefix']);
};

/** Reads the rule's secret and signs in to the upstream with it, as a first pull would; a failure is the answer, not an error. */
export const validatePullThroughCacheRule: Action = async (context) => {
  checkRegistryId(context.services.identity, context.input);
  const prefix = prefixOf(context);
  const rule = await context.services.cacheRules.getRule(prefix);
  if (!rule) throw notFound(context, prefix);
  const fields = view(context, rule, ['ecrRepositoryPrefix', 'upstreamRegistryUrl', 'credentialArn', 'customRoleArn', 'upstreamRepositoryPrefix']);
  const failure = await upstreamFailure(context, rule);
  return { ...fields, isValid: failure === undefined, ...(failure === undefined ? {} : { failure }) };
};

async function upstreamFailure(context: ActionContext, rule: CacheRuleRecord): Promise<string | undefined> {
  // The rule's own namespace stands for a repository of it: the sign-in asks for pulls under it.
  const repository = rule.ecrRepositoryPrefix === ROOT_PREFIX ? 'library/validate' : `${rule.ecrRepositoryPrefix}/validate`;
  const upstream = openUpstream(ruleFor(repository, [rule])!, repository, context.services.upstreamSecrets);
  try {
    if (rule.credentialArn) await context.services.upstreamSecrets(rule.credentialArn);
    const response = await upstream.ping();
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) return `the upstream registry refused the credentials (HTTP ${response.status})`;
    if (!response.ok) return `the upstream registry answered HTTP ${response.status}`;
    return undefined;
  } catch (error) {
    if (error instanceof UpstreamSecretError || error instanceof UpstreamAuthError) return error.message;
    if (error instanceof TypeError) return `the upstream registry could not be reached (${String((error as { cause?: unknown }).cause ?? error.message)})`;
    throw error;
  }
}
