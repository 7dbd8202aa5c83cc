import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, it, vi } from 'vitest';
import { runBerth } from '../../cli/run.js';
import { administratorArn, useRegistry } from '../support/registry.js';
import { signedIn } from './support.js';

/** `berth console`, run in-process as the administrator: the link it prints signs the browser in as the caller. */

const registry = useRegistry();
const scratch = mkdtempSync(join(tmpdir(), 'berth-console-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(() => {
  // The AWS default chain reads the process's environment: only the administrator's key may be found.
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_ACCESS_KEY_ID', registry().adminKey.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', registry().adminKey.secretAccessKey);
  vi.stubEnv('AWS_REGION', registry().identity.region);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});
afterEach(() => vi.unstubAllEnvs());

it('berth console prints a one-time sign-in link for the caller', async () => {
  let stdout = '';
  const code = await runBerth(['console'], {
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    readStdin: async () => '',
    env: { BERTH_REGISTRY: registry().url },
  });
  expect(code).toBe(0);
  const link = /^\s+(http\S+)$/m.exec(stdout)?.[1];
  expect(link).toMatch(new RegExp(`^${registry().url}/console/#sign-in=`));
  expect(stdout).toMatch(/Link expires:\s+\d{4}-\d\d-\d\dT/);
  expect((await signedIn(registry(), link!)).principalArn).toBe(administratorArn(registry()));
});
