import type { RegistryServices } from '../registry/context.js';
import type { CacheRuleStore } from '../store/cache-rule-store.js';
import type { TemplateStore } from '../store/template-store.js';
import type { PullThroughConfig } from './config.js';
import { HeldManifests } from './held-manifests.js';
import { ImageImport } from './image-import.js';
import { InProcessJobs, type JobDispatch } from './jobs.js';
import { PullThroughCache } from './pull-through-cache.js';
import type { UpstreamSecrets } from './upstream-secrets.js';

/** What the pull-through cache is made of, beside the registry's own services. */
export interface PullThroughParts {
  rules: CacheRuleStore;
  secrets: UpstreamSecrets;
  config: PullThroughConfig;
  /** Starts jobs elsewhere (on AWS, the pull-through function); absent, they run in this process, on `inProcess`. */
  dispatch?: JobDispatch;
  inProcess?: InProcessJobs;
}

/** The cache the registry's reads consult, and the import its jobs run. */
export function createPullThrough(
  parts: PullThroughParts,
  services: Pick<RegistryServices, 'store' | 'blobs' | 'uploads' | 'manifests' | 'config' | 'repositories'>,
  templates: TemplateStore,
  now: () => Date,
  log: (message: string, error: unknown) => void = (message, error) => console.error(message, error),
): { cache: PullThroughCache; importer: ImageImport } {
  const held = new HeldManifests(parts.rules, services.blobs, services.store);
  const importer = new ImageImport({ ...services, rules: parts.rules, held, secrets: parts.secrets });
  const jobs = parts.dispatch ?? (parts.inProcess ?? new InProcessJobs(log)).dispatch((job) => importer.run(job));
  const cache = new PullThroughCache({
    ...services,
    templates,
    rules: parts.rules,
    held,
    secrets: parts.secrets,
    jobs,
    config: parts.config,
    downloadUrlSeconds: services.config.downloadUrlSeconds,
    now,
  });
  return { cache, importer };
}
