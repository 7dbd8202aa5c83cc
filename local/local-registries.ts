import { localRegistriesFile } from '../cli/locations.js';
import { readFileIfExists, withFileLock, writeFileAtomic } from '../cli/files.js';

/**
 * What `npm start` records about the registries it runs, per user (in the
 * CLI's config directory), so that `berth` and the credential helper find a
 * local registry and its data directory (where its administrator key lives)
 * from any directory: the URL of each, and which was started last.
 */

export interface LocalRegistry {
  url: string;
  dataDir: string;
  startedAt: string;
}

interface LocalRegistriesFile {
  version: 1;
  /** The URL of the registry started last: the CLI's default registry. */
  last?: string;
  registries: Record<string, LocalRegistry>;
}

function isLocalRegistry(value: unknown): value is LocalRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.url === 'string' && typeof record.dataDir === 'string' && typeof record.startedAt === 'string';
}

function read(file: string): LocalRegistriesFile {
  let parsed: Partial<LocalRegistriesFile>;
  try {
    parsed = JSON.parse(readFileIfExists(file) ?? '{}') as Partial<LocalRegistriesFile>;
  } catch {
    // An unreadable record is no reason to fail a command; the next start rewrites it.
    return { version: 1, registries: {} };
  }
  const registries = Object.fromEntries(Object.entries(parsed.registries ?? {}).filter(([, record]) => isLocalRegistry(record)));
  return { version: 1, ...(typeof parsed.last === 'string' && Object.hasOwn(registries, parsed.last) ? { last: parsed.last } : {}), registries };
}

/** Records a registry that has just started serving, as the one started last. */
export function recordLocalRegistry(env: NodeJS.ProcessEnv, registry: LocalRegistry): void {
  const file = localRegistriesFile(env);
  withFileLock(file, () => {
    const current = read(file);
    const content: LocalRegistriesFile = { version: 1, last: registry.url, registries: { ...current.registries, [registry.url]: registry } };
    writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
  });
}

/** The local registry started last, if `npm start` ran for this user. */
export function lastLocalRegistry(env: NodeJS.ProcessEnv): LocalRegistry | undefined {
  const { last, registries } = read(localRegistriesFile(env));
  return last === undefined ? undefined : registries[last];
}

/** What `npm start` recorded about the registry at `url`, if it started one there. */
export function findLocalRegistry(env: NodeJS.ProcessEnv, url: string): LocalRegistry | undefined {
  const { registries } = read(localRegistriesFile(env));
  return Object.hasOwn(registries, url) ? registries[url] : undefined;
}
