import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ECRClient, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { loadOrCreateAdminKey } from '../../local/admin-credentials.js';
import { clientEnv, freshHome, useBerthBins, type ProcessResult } from '../support/berth-bins.js';
import { ociImage } from '../support/oci.js';
import { writeOciLayout } from '../support/oci-layout.js';
import { runChild } from '../support/tools.js';
import { exited, jvmRunning, killStarted, startBerth, waitFor, type StartedBerth } from './npm-start-process.js';

/**
 * Local mode as a new user meets it: `npm start` in the checkout, then `berth`
 * from some other directory with no flags and no AWS credentials, with
 * create-on-push off, its requests and background jobs in npm start's output.
 */

const bins = useBerthBins();
let home: string;
let dataDir: string;
let port: number;
let berthd: StartedBerth;

beforeAll(async () => {
  home = freshHome(bins(), 'new-user');
  dataDir = join(home, 'checkout', '.berth');
  port = await freePort();
  berthd = startBerth({ HOME: home, PORT: String(port), BERTH_DATA_DIR: dataDir, BERTH_CREATE_ON_PUSH: 'false', BERTH_JOB_INTERVAL_SECONDS: '1' });
  // DynamoDB Local's JVM takes many seconds to start on a busy machine: most of the hook's 60 s.
  await waitFor(() => berthd.output().includes('Requests follow'), 'the registry to start', 50_000);
});

// npm start's whole process group, whether or not the last test stopped it.
afterAll(killStarted);

const url = () => `http://127.0.0.1:${port}`;
const host = () => `127.0.0.1:${port}`;

/** `berth ARGS` from the user's home directory, not the checkout, with neither AWS credentials nor BERTH_* settings. */
async function berth(args: string[]): Promise<ProcessResult> {
  const env = clientEnv(bins(), home, { extra: { BERTH_DATA_DIR: '' } });
  const { code, stdout, stderr } = await runChild(process.execPath, [bins().berth, ...args], { env, cwd: home });
  return { code, stdout: stdout.toString('utf8'), stderr };
}

function layoutOf(name: string) {
  const image = ociImage();
  const dir = join(home, 'layouts', name);
  writeOciLayout(dir, [{ name: 'v1', manifest: image.manifest }], [image.config, ...image.layers]);
  return { image, source: `oci:${dir}:v1` };
}

describe('local mode from any directory', () => {
  it('records the running registry, which berth login finds without flags, keeping the data directory for the helper', async () => {
    const record = JSON.parse(readFileSync(join(home, '.config', 'berth', 'local-registries.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ last: url(), registries: { [url()]: { url: url(), dataDir } } });

    const login = await berth(['login']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`docker gets credentials for ${host()} from docker-credential-berth`);
    const logins = JSON.parse(readFileSync(join(home, '.config', 'berth', 'logins.json'), 'utf8')) as { registries: Record<string, unknown> };
    expect(logins.registries[host()]).toEqual({ registry: url(), pullOnly: false, dataDir });
  });

  it('refuses a push to a repository that does not exist when create-on-push is off, and pushes once it is created', async () => {
    expect(berthd.output()).toContain('A push to a repository that does not exist is refused (BERTH_CREATE_ON_PUSH=false).');
    const { image, source } = layoutOf('refused');
    const refused = await berth(['push', source, `${host()}/newuser/app:v1`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: RepositoryNotFoundException: .*\nhint: create it with: berth repository create newuser\/app\n$/m);

    expect((await berth(['repository', 'create', 'newuser/app'])).code).toBe(0);
    const pushed = await berth(['push', source, `${host()}/newuser/app:v1`]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain(`Pushed ${host()}/newuser/app:v1@${image.manifest.digest}`);

    // One line per request, with its method, path, status and time; management requests name their action.
    await waitFor(() => berthd.output().includes('PUT /v2/newuser/app/manifests/v1 '), 'the manifest PUT in the log');
    expect(berthd.output()).toMatch(/^\S+Z POST \/ CreateRepository 200 \d+\.\d ms$/m);
    expect(berthd.output()).toMatch(/^\S+Z PUT \/v2\/newuser\/app\/manifests\/v1 201 \d+\.\d ms$/m);
  });

  it('logs what a background job did', async () => {
    expect((await berth(['repository', 'create', 'newuser/jobs'])).code).toBe(0);
    // Two images, pushed one after the other: the policy keeps the newest one.
    const old = layoutOf('old');
    expect((await berth(['push', old.source, `${host()}/newuser/jobs:old`])).code).toBe(0);
    expect((await berth(['push', layoutOf('new').source, `${host()}/newuser/jobs:new`])).code).toBe(0);
    const ecr = new ECRClient({ endpoint: url(), region: 'us-east-1', credentials: loadOrCreateAdminKey(dataDir).keys });
    await ecr.send(new PutLifecyclePolicyCommand({
      repositoryName: 'newuser/jobs',
      lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] }),
    }));
    ecr.destroy();
    const line = `lifecycle policies: expired newuser/jobs@${old.image.manifest.digest}`;
    await waitFor(() => berthd.output().includes(line), 'the lifecycle job\'s line');
  });

  it('stops DynamoDB Local with itself', async () => {
    expect(jvmRunning(dataDir)).toBe(true);
    berthd.child.kill('SIGTERM');
    expect(await exited(berthd.child)).toBe(0);
    expect(jvmRunning(dataDir)).toBe(false);
  });
});
