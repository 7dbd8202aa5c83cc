import type { RepositorySettings } from './records.js';
import type { CreationTemplateRecord } from './template-store.js';

/** The prefix of the template that applies to repositories no other template matches. */
export const ROOT_PREFIX = 'ROOT';

/**
 * The template for a new repository: the longest prefix that names one of its
 * namespaces (`prod/team` covers `prod/team/app`), else ROOT, among those applied for `purpose`.
 */
export function templateFor(name: string, templates: CreationTemplateRecord[], purpose: string): CreationTemplateRecord | undefined {
  const applicable = templates.filter((template) => template.appliedFor.includes(purpose));
  const matching = applicable
    .filter((template) => template.prefix !== ROOT_PREFIX && name.startsWith(`${template.prefix}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return matching[0] ?? applicable.find((template) => template.prefix === ROOT_PREFIX);
}

/** The repository settings a template gives. */
export function settingsFromTemplate(template: CreationTemplateRecord): Partial<RepositorySettings> {
  return {
    ...(template.imageTagMutability ? { imageTagMutability: template.imageTagMutability } : {}),
    imageTagMutabilityExclusionFilters: template.imageTagMutabilityExclusionFilters,
    ...(template.encryptionConfiguration ? { encryptionConfiguration: template.encryptionConfiguration } : {}),
    tags: template.resourceTags,
    ...(template.repositoryPolicy ? { policyText: template.repositoryPolicy } : {}),
    ...(template.lifecyclePolicy ? { lifecyclePolicyText: template.lifecyclePolicy } : {}),
  };
}
