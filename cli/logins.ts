import { readFileIfExists, withFileLock, writeFileAtomic } from './files.js';

/**
 * What `berth login` remembers for the credential helper, per registry host
 * (as docker names it in credHelpers): the registry's URL, whether to ask for
 * pull-only tokens, and for a local registry, the data directory whose
 * administrator key to fall back on (docker runs the helper from any directory).
 */

export interface LoginRecord {
  registry: string;
  pullOnly: boolean;
  dataDir?: string;
}

interface LoginsFile {
  version: 1;
  registries: Record<string, LoginRecord>;
}

function isLoginRecord(value: unknown): value is LoginRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.registry === 'string' && typeof record.pullOnly === 'boolean'
    && (record.dataDir === undefined || typeof record.dataDir === 'string');
}

function readLogins(file: string): Record<string, LoginRecord> {
  const text = readFileIfExists(file);
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as Partial<LoginsFile>;
    return Object.fromEntries(Object.entries(parsed.registries ?? {}).filter(([, record]) => isLoginRecord(record)));
  } catch {
    return {};
  }
}

/** The record for a registry host, if `berth login` made one. */
export function findLogin(file: string, host: string): LoginRecord | undefined {
  const records = readLogins(file);
  return Object.hasOwn(records, host) ? records[host] : undefined;
}

export function saveLogin(file: string, host: string, record: LoginRecord): void {
  withFileLock(file, () => {
    const registries = { ...readLogins(file), [host]: record };
    const content: LoginsFile = { version: 1, registries };
    writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
  });
}
