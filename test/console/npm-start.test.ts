import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { exited, jvmRunning, killStarted, startBerth, waitFor } from '../local/npm-start-process.js';

/** npm start prints a sign-in link to the console for the local administrator, and reads the console's settings first. */

const dataDir = mkdtempSync(join(tmpdir(), 'berth-console-start-'));
afterAll(() => {
  killStarted();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (env: Record<string, string>) => startBerth({ BERTH_CONFIG_DIR: join(dataDir, 'config'), BERTH_QUIET: 'true', ...env });

it('prints a one-time sign-in link that signs the browser in as the administrator', async () => {
  const port = await freePort();
  const berth = start({ PORT: String(port), BERTH_DATA_DIR: join(dataDir, 'data'), BERTH_CONSOLE_LINK_SECONDS: '120' });
  // DynamoDB Local's JVM takes many seconds to start on a busy machine.
  await waitFor(() => berth.output().includes('The web console: '), 'the console link', 25_000);
  const link = /The web console: (\S+)/.exec(berth.output())![1]!;
  expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/console/#sign-in=`));
  const code = new URL(link).hash.slice('#sign-in='.length);
  const signIn = await fetch(`http://127.0.0.1:${port}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  expect(signIn.status).toBe(200);
  const session = (await signIn.json()) as { principalArn: string };
  expect(session.principalArn).toBe('arn:aws:iam::000000000000:root');
}, 30_000);

it('refuses a console setting it cannot read in one line, starting nothing', async () => {
  const berth = start({ BERTH_DATA_DIR: join(dataDir, 'settings'), BERTH_CONSOLE_SESSION_SECONDS: '5' });
  expect(await exited(berth.child)).toBe(1);
  expect(berth.output()).toBe('berth: BERTH_CONSOLE_SESSION_SECONDS must be a whole number of seconds from 60 to 43200, got "5"\n');
  expect(jvmRunning(join(dataDir, 'settings'))).toBe(false);
});
