import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, vi } from 'vitest';
import { runBerth, type Io } from '../../cli/run.js';
import type { RunningRegistry } from '../../local/berth-server.js';

export interface BerthRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `berth` run in this process against a local registry, signed with its administrator's key
 * from the environment as a user's would be. The AWS default chain reads the process's
 * environment, so only that key may be found there while a test runs.
 */
export function useInProcessBerth(registry: () => RunningRegistry): (args: string[], options?: { stdin?: string; ecr?: Io['ecr'] }) => Promise<BerthRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'berth-in-process-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  beforeEach(() => {
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_ACCESS_KEY_ID', registry().adminKey.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', registry().adminKey.secretAccessKey);
    vi.stubEnv('AWS_REGION', registry().identity.region);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
    vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterEach(() => vi.unstubAllEnvs());
  return async (args, options = {}) => {
    let stdout = '';
    let stderr = '';
    const code = await runBerth(args, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: async () => options.stdin ?? '',
      env: { BERTH_REGISTRY: registry().url },
      ...(options.ecr ? { ecr: options.ecr } : {}),
    });
    return { code, stdout, stderr };
  };
}
