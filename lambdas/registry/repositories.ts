import type { RegistryEvents } from '../events/registry-events.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { RepositoryRecord } from '../store/records.js';
import { newRepository } from '../store/repository-defaults.js';
import { settingsFromTemplate, templateFor } from '../store/creation-templates.js';
import type { TemplateStore } from '../store/template-store.js';
import { RegistryError } from './errors.js';

/** Repository existence rules shared by the handlers. */
export class Repositories {
  constructor(
    private readonly store: MetadataStore,
    private readonly templates: TemplateStore,
    private readonly createOnPush: boolean,
    private readonly now: () => Date,
    private readonly events: RegistryEvents,
  ) {}

  /** Creates the repository and announces it; false when it already exists. */
  async create(record: RepositoryRecord): Promise<boolean> {
    const created = await this.store.createRepository(record);
    if (created) await this.events.repositoryCreated(record.name);
    return created;
  }

  /**
   * A push needs the repository; create-on-push makes it on first use, as ECR does.
   * `precheck` runs before a repository is created: a push it refuses leaves none behind.
   */
  async requireForPush(name: string, precheck?: () => Promise<unknown>): Promise<RepositoryRecord> {
    const existing = await this.store.getRepository(name);
    if (existing) return existing;
    if (!this.createOnPush) {
      throw new RegistryError('NAME_UNKNOWN', `repository ${name} does not exist; create it first (create-on-push is off)`, { name });
    }
    await precheck?.();
    // Like ECR, a repository created on push takes its settings from the matching creation template.
    const template = templateFor(name, await this.templates.listTemplates(), 'CREATE_ON_PUSH');
    const record = newRepository(name, this.now(), template && settingsFromTemplate(template));
    // A concurrent first push may have created it; either record will do.
    await this.create(record);
    return (await this.store.getRepository(name)) ?? record;
  }

  async require(name: string): Promise<void> {
    if (!(await this.store.getRepository(name))) {
      throw new RegistryError('NAME_UNKNOWN', `repository ${name} does not exist`, { name });
    }
  }

  /**
   * Reads skip the repository check on the hot path (a link or tag item implies
   * the repository); on a miss this tells NAME_UNKNOWN from the specific error.
   */
  async explainMiss(name: string, miss: RegistryError): Promise<never> {
    await this.require(name);
    throw miss;
  }
}
