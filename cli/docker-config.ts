import { realpathSync, statSync } from 'node:fs';
import { CliError } from './errors.js';
import { readFileIfExists, withFileLock, writeFileAtomic } from './files.js';

/** The suffix of the helper's executable, docker-credential-<name>, as credHelpers names it. */
export const CREDENTIAL_HELPER = 'berth';

/**
 * Points docker at docker-credential-berth for one registry host: sets
 * `credHelpers[host]` in docker's config file, keeping everything else in it,
 * creating the file if there is none. Returns whether the entry was new or changed.
 */
export function addCredentialHelper(file: string, host: string): { changed: boolean; previous: string | undefined } {
  // Write where a symlinked config (dotfile managers) points, not over the link.
  const target = realTarget(file);
  return withFileLock(target, () => {
    const text = readFileIfExists(target);
    let config: Record<string, unknown> = {};
    if (text !== undefined && text.trim() !== '') {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('it is not a JSON object');
        config = parsed as Record<string, unknown>;
      } catch (error) {
        throw new CliError('InvalidDockerConfig', `${file} is not a valid docker config: ${(error as Error).message}`,
          'fix the file (or move it away), then run berth login again');
      }
    }
    const helpers = config.credHelpers ?? {};
    if (typeof helpers !== 'object' || helpers === null || Array.isArray(helpers)) {
      throw new CliError('InvalidDockerConfig', `credHelpers in ${file} is not an object`, 'fix the file, then run berth login again');
    }
    const previous = (helpers as Record<string, unknown>)[host];
    if (previous === CREDENTIAL_HELPER) return { changed: false, previous };
    config.credHelpers = { ...helpers, [host]: CREDENTIAL_HELPER };
    // docker writes its config indented with tabs; keep the file's permissions (docker makes it 0600).
    writeFileAtomic(target, `${JSON.stringify(config, null, '\t')}\n`, text === undefined ? 0o600 : statSync(target).mode & 0o777);
    return { changed: true, previous: typeof previous === 'string' ? previous : undefined };
  });
}

function realTarget(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
