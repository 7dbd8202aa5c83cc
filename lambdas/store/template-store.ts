import type { RepositorySettings } from './records.js';

/** ECR's repository creation template: settings a new repository under `prefix` starts with. */
export interface CreationTemplateRecord {
  /** A namespace such as `prod/team`, or ROOT for every repository no other template matches. */
  prefix: string;
  description?: string;
  encryptionConfiguration?: RepositorySettings['encryptionConfiguration'];
  resourceTags: RepositorySettings['tags'];
  imageTagMutability?: RepositorySettings['imageTagMutability'];
  imageTagMutabilityExclusionFilters: RepositorySettings['imageTagMutabilityExclusionFilters'];
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  /** When the template applies: CREATE_ON_PUSH, PULL_THROUGH_CACHE, REPLICATION. */
  appliedFor: string[];
  customRoleArn?: string;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateStore {
  /** Returns false when a template for the prefix exists already. */
  createTemplate(record: CreationTemplateRecord): Promise<boolean>;
  /** Returns false when no template for the prefix exists. */
  replaceTemplate(record: CreationTemplateRecord): Promise<boolean>;
  getTemplate(prefix: string): Promise<CreationTemplateRecord | undefined>;
  /** All templates, in prefix order. */
  listTemplates(): Promise<CreationTemplateRecord[]>;
  deleteTemplate(prefix: string): Promise<CreationTemplateRecord | undefined>;
}
