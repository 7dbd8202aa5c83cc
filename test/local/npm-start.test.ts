import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { loadOrCreateAdminKey } from '../../local/admin-credentials.js';
import { RegistryClient } from '../support/client.js';
import { awsCli } from '../support/aws-cli.js';
import { loginPassword } from '../support/signed.js';
import { CHILD_TIMEOUT_MS, itWith, runTool } from '../support/tools.js';
import { randomBlob } from '../support/oci.js';
import { isLoopback, processTree, socketsOf } from './listening-sockets.js';
import { exited, jvmRunning, killStarted, startBerth as startProcess, waitFor, type StartedBerth } from './npm-start-process.js';

/** npm start with a configuration directory of the test's own: the record of local registries is per user. */
const startBerth = (env: Record<string, string>, options: Parameters<typeof startProcess>[1] = {}) => startProcess({ BERTH_CONFIG_DIR: join(dataDir, 'config'), ...env }, options);

const dataDir = mkdtempSync(join(tmpdir(), 'berth-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  describe('a running registry', () => {
    let port: number;
    let url: string;
    let first: StartedBerth;
    let client: RegistryClient;

    beforeAll(async () => {
      port = await freePort();
      url = `http://127.0.0.1:${port}`;
      // An existing data directory open to others is made private.
      chmodSync(dataDir, 0o755);
      first = startBerth({ PORT: String(port), BERTH_DATA_DIR: dataDir });
      // DynamoDB Local's JVM takes many seconds to start on a busy machine.
      await waitFor(() => first.output().includes('Requests follow, one line each'), 'the registry to start', 50_000);
      const admin = { url, adminKey: loadOrCreateAdminKey(dataDir).keys };
      // One login serves both runs: the signing key lives in the data directory and survives the restart.
      let header: Promise<string> | undefined;
      client = new RegistryClient(url, () => (header ??= loginPassword(admin).then((password) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`)));
    }, 60_000);
    afterAll(killStarted);

    it('says where it runs and how to push, with DynamoDB Local running and the data directory private', () => {
      expect(first.output()).toContain(`http://127.0.0.1:${port}`);
      expect(first.output()).toMatch(/skopeo copy/);
      expect(jvmRunning(dataDir)).toBe(true);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    });

    it('logs one line per request, naming the upload gateway\'s', async () => {
      await client.pushBlob('local/logged', randomBlob(2000));
      // An upload in a session continues on the upload gateway, whose requests the log names as its own.
      const session = await client.request('POST', '/v2/local/logged/blobs/uploads/');
      expect(session.status).toBe(202);
      const location = new URL(session.headers.get('location')!, url);
      const other = randomBlob(3000);
      location.searchParams.set('digest', other.digest);
      expect((await fetch(location, { method: 'PUT', body: other.bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
      // One line per request, with its method, path, status and time.
      await waitFor(() => / \(upload gateway\)$/m.test(first.output()), 'a request to the upload gateway in the log');
      expect(first.output()).toMatch(/^\S+Z POST \/v2\/local\/logged\/blobs\/uploads\/ 201 \d+\.\d ms$/m);
      expect(first.output()).toMatch(/^\S+Z PUT \/\S+ 201 \d+\.\d ms \(upload gateway\)$/m);
    });

    it.runIf(process.platform === 'linux')('listens on loopback only, for every service it started', () => {
      // The registry, local S3, DynamoDB Local in its JVM.
      const sockets = socketsOf(processTree(first.child.pid!));
      expect(sockets.map((socket) => socket.port)).toContain(port);
      expect(sockets.length).toBeGreaterThanOrEqual(3);
      expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    });

    itWith([awsCli], 'writes an administrator key that the AWS CLI takes as-is: the credentials file alone, no other settings', async () => {
      await client.pushBlob('local/cli', randomBlob(1000));
      const aws = await runTool(awsCli.path!, ['ecr', 'describe-repositories', '--endpoint-url', url], CHILD_TIMEOUT_MS, {
        PATH: process.env.PATH, HOME: dataDir, AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'credentials'), AWS_PROFILE: 'berth-local',
      });
      expect(aws.code, aws.stderr).toBe(0);
      const names = (JSON.parse(aws.stdout.toString()) as { repositories: { repositoryName: string }[] }).repositories.map((r) => r.repositoryName);
      expect(names).toContain('local/cli');
    });

    it('stops everything on SIGTERM, and keeps data across a restart', async () => {
      const item = randomBlob(2000);
      await client.pushBlob('local/persist', item);
      first.child.kill('SIGTERM');
      expect(await exited(first.child)).toBe(0);
      expect(jvmRunning(dataDir)).toBe(false);

      const second = startBerth({ PORT: String(port), BERTH_DATA_DIR: dataDir }, { args: ['--quiet'] });
      // The banner's last line: the console's sign-in link is made between the first lines and it.
      await waitFor(() => second.output().includes('Requests are not logged (quiet).'), 'the registry to restart');
      expect(second.output()).toContain('Berth is running at');
      const head = await client.request('HEAD', `/v2/local/persist/blobs/${item.digest}`);
      expect(head.status).toBe(200);
      const catalog = (await (await client.request('GET', '/v2/_catalog')).json()) as { repositories: string[] };
      expect(catalog.repositories).toContain('local/persist');
      expect(second.output()).not.toMatch(/ \/v2\//);

      second.child.kill('SIGINT');
      expect(await exited(second.child)).toBe(0);
      expect(jvmRunning(dataDir)).toBe(false);
    });
  });

  describe('starting and stopping on its own', () => {
    // Whatever a test leaves running (after a failure or a timeout), its whole process group goes with it.
    afterEach(killStarted);

    it('says how to install Java when it is missing', async () => {
      const berth = startBerth({ PATH: '', BERTH_DATA_DIR: join(dataDir, 'no-java'), PORT: String(await freePort()) });
      expect(await exited(berth.child)).toBe(1);
      expect(berth.output()).toContain('Java was not found');
      expect(berth.output()).toContain('apt-get install -y default-jre-headless');
    });

    it('refuses settings it cannot read in one line, starting nothing', async () => {
      const cases: [Record<string, string>, string[], string][] = [
        [{}, ['--loud'], 'berth: npm start takes no argument but --quiet, not \'--loud\''],
        [{ PORT: 'http' }, [], 'berth: PORT must be a port number from 0 to 65535, got "http"'],
        [{ BERTH_CREATE_ON_PUSH: 'maybe' }, [], 'berth: BERTH_CREATE_ON_PUSH must be true or false, got "maybe"'],
        [{ BERTH_QUIET: 'very' }, [], 'berth: BERTH_QUIET must be true or false, got "very"'],
        [{ BERTH_JOB_INTERVAL_SECONDS: '0' }, [], 'berth: BERTH_JOB_INTERVAL_SECONDS must be a whole number of seconds from 1 to 86400, got "0"'],
        [{ BERTH_S3_CACHE_MIB: 'lots' }, [], 'berth: BERTH_S3_CACHE_MIB must be a whole number of MiB from 0 to 65536, got "lots"'],
      ];
      for (const [env, args, line] of cases) {
        const berth = startBerth({ BERTH_DATA_DIR: join(dataDir, 'settings'), ...env }, { args });
        expect(await exited(berth.child), line).toBe(1);
        expect(berth.output()).toBe(`${line}\n`);
      }
      expect(jvmRunning(join(dataDir, 'settings'))).toBe(false);
    });

    it('refuses a busy port in one line, starting nothing', async () => {
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const { port } = busy.address() as { port: number };
      try {
        const berth = startBerth({ PORT: String(port), BERTH_DATA_DIR: join(dataDir, 'busy') });
        expect(await exited(berth.child)).toBe(1);
        expect(berth.output()).toBe(`berth: port ${port} on 127.0.0.1 is in use, by another npm start or another program: stop that, or start Berth on another port: PORT=${port + 1} npm start\n`);
        expect(jvmRunning(join(dataDir, 'busy'))).toBe(false);
      } finally {
        busy.close();
      }
    });

    it('stops DynamoDB Local when an error nothing caught ends it', async () => {
      const crashDir = join(dataDir, 'crash');
      const berth = startBerth({ PORT: String(await freePort()), BERTH_DATA_DIR: crashDir }, { preload: fileURLToPath(new URL('./fixtures/crash-after-start.mjs', import.meta.url)) });
      await waitFor(() => berth.output().includes('Berth is running at'), 'the registry to start');
      expect(await exited(berth.child)).toBe(1);
      expect(berth.output()).toContain('berth: stopping after an unexpected error: Error: injected crash');
      expect(jvmRunning(crashDir)).toBe(false);
    });
  });
});
