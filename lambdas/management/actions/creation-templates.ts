import type { CreationTemplateRecord } from '../../store/template-store.js';
import type { Action, ActionContext } from '../context.js';
import { EcrError } from '../errors.js';
import { checkRegistryId } from '../identifiers.js';
import { encryptionOf, mergeTags, resourceTagsOf, tagMutabilityOf } from '../repository-settings.js';
import { constraintError, optionalList, optionalString, requiredList, requiredString } from '../validation.js';
import { epochSeconds } from '../views.js';

/** Repository creation templates: settings that repositories created on push (or otherwise) start with. */

const PREFIX = { min: 1, max: 256, pattern: /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/?|ROOT)$/ };
const APPLIED_FOR = ['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'];

/** A trailing slash names the same namespace; templates are kept without it. */
function prefixOf(context: ActionContext): string {
  return requiredString(context.input, 'prefix', PREFIX).replace(/\/$/, '');
}

function templateFrom(context: ActionContext, prefix: string, createdAt: string): CreationTemplateRecord {
  const { input } = context;
  const appliedFor = requiredList(input, 'appliedFor', { min: 1, max: 3 }).map((value) => {
    if (typeof value !== 'string' || !APPLIED_FOR.includes(value)) {
      throw constraintError('appliedFor', value, `Member must satisfy enum value set: [${APPLIED_FOR.join(', ')}]`);
    }
    return value;
  });
  const mutability = tagMutabilityOf(input, false);
  const encryption = encryptionOf(input);
  const record: CreationTemplateRecord = {
    prefix,
    resourceTags: mergeTags([], resourceTagsOf(input, 'resourceTags') ?? []),
    imageTagMutabilityExclusionFilters: mutability?.imageTagMutabilityExclusionFilters ?? [],
    appliedFor: [...new Set(appliedFor)],
    createdAt,
    updatedAt: context.services.now().toISOString(),
  };
  const description = optionalString(input, 'description', { max: 256 });
  const repositoryPolicy = optionalString(input, 'repositoryPolicy', { max: 10240 });
  const lifecyclePolicy = optionalString(input, 'lifecyclePolicy', { max: 30720 });
  const customRoleArn = optionalString(input, 'customRoleArn', { max: 2048 });
  if (description !== undefined) record.description = description;
  if (encryption) record.encryptionConfiguration = encryption;
  if (mutability) record.imageTagMutability = mutability.imageTagMutability;
  if (repositoryPolicy !== undefined) record.repositoryPolicy = repositoryPolicy;
  if (lifecyclePolicy !== undefined) record.lifecyclePolicy = lifecyclePolicy;
  if (customRoleArn !== undefined) record.customRoleArn = customRoleArn;
  return record;
}

function view(record: CreationTemplateRecord): Record<string, unknown> {
  const { createdAt, updatedAt, imageTagMutabilityExclusionFilters, ...rest } = record;
  return {
    ...rest,
    ...(imageTagMutabilityExclusionFilters.length > 0 ? { imageTagMutabilityExclusionFilters } : {}),
    createdAt: epochSeconds(createdAt),
    updatedAt: epochSeconds(updatedAt),
  };
}

function notFound(prefix: string): EcrError {
  return new EcrError('TemplateNotFoundException', `The repository creation template with prefix '${prefix}' does not exist`);
}

export const createRepositoryCreationTemplate: Action = async (context) => {
  const prefix = prefixOf(context);
  const record = templateFrom(context, prefix, context.services.now().toISOString());
  if (!(await context.services.templates.createTemplate(record))) {
    throw new EcrError('TemplateAlreadyExistsException', `A repository creation template with prefix '${prefix}' already exists`);
  }
  return { registryId: context.services.identity.accountId, repositoryCreationTemplate: view(record) };
};

export const updateRepositoryCreationTemplate: Action = async (context) => {
  const prefix = prefixOf(context);
  const existing = await context.services.templates.getTemplate(prefix);
  if (!existing) throw notFound(prefix);
  const record = templateFrom(context, prefix, existing.createdAt);
  if (!(await context.services.templates.replaceTemplate(record))) throw notFound(prefix);
  return { registryId: context.services.identity.accountId, repositoryCreationTemplate: view(record) };
};

export const deleteRepositoryCreationTemplate: Action = async (context) => {
  const prefix = prefixOf(context);
  const deleted = await context.services.templates.deleteTemplate(prefix);
  if (!deleted) throw notFound(prefix);
  return { registryId: context.services.identity.accountId, repositoryCreationTemplate: view(deleted) };
};

export const describeRepositoryCreationTemplates: Action = async (context) => {
  const prefixes = optionalList(context.input, 'prefixes', { min: 1, max: 100 });
  const all = await context.services.templates.listTemplates();
  const wanted = prefixes?.map((prefix) => (typeof prefix === 'string' ? prefix.replace(/\/$/, '') : prefix));
  const missing = wanted?.find((prefix) => !all.some((template) => template.prefix === prefix));
  if (missing !== undefined) throw notFound(String(missing));
  const selected = wanted ? all.filter((template) => wanted.includes(template.prefix)) : all;
  return { registryId: context.services.identity.accountId, repositoryCreationTemplates: selected.map(view) };
};

/** DescribeRegistry: Berth replicates nothing, so its replication configuration is empty. */
export const describeRegistry: Action = async ({ input, services }) => {
  checkRegistryId(services.identity, input);
  return { registryId: services.identity.accountId, replicationConfiguration: { rules: [] } };
};

