import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createBerthApi, type BerthApi } from '../../cli/berth-api.js';
import { CREDENTIALS_NOT_FOUND, runCredentialHelper } from '../../cli/credential-helper.js';
import { withFileLock, LockTimeout } from '../../cli/files.js';
import { saveLogin } from '../../cli/logins.js';
import type { RegistryTarget } from '../../cli/registry.js';
import { TokenCache, type CachedToken } from '../../cli/token-cache.js';
import { generateKeyPair } from '../../local/admin-credentials.js';
import { basic, clientEnv, freshHome, runHelper, useBerthBins } from '../support/berth-bins.js';
import { RegistryClient } from '../support/client.js';
import { useRegistry } from '../support/registry.js';

/**
 * docker-credential-berth: the protocol and the cache in-process against
 * local registries, signing with the administrator's key from the
 * environment; then the bundle: no credentials, and helpers running at once
 * against one cache.
 */

const scratch = mkdtempSync(join(tmpdir(), 'berth-helper-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOUR = 3600 * 1000;
/** One AWS identity for every registry here, as a user signs with one to all of them. */
const adminKey = generateKeyPair();
const registry = useRegistry({}, { adminKey });
const other = useRegistry({}, { adminKey });
/** A registry whose tokens live 20 minutes. */
const shortLived = useRegistry({}, { adminKey, tokenLifetimeSeconds: 20 * 60 });

const hostOf = (running: () => { url: string }) => new URL(running().url).host;
const status = async (url: string, secret: string, method = 'GET', path = '/v2/') => (await new RegistryClient(url, async () => basic('AWS', secret)).request(method, path)).status;

/** Signs as `accessKeyId` (the administrator's by default) through the AWS default chain, as the helper finds credentials. */
function signAs(accessKeyId = adminKey.accessKeyId, secretAccessKey = adminKey.secretAccessKey): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', secretAccessKey);
}

beforeEach(() => {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'BERTH_CACHE_DIR', 'BERTH_CONFIG_DIR', 'BERTH_LOG_FILE', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  signAs();
});
afterEach(() => vi.unstubAllEnvs());

/** The token requests the helper made, over the real client of Berth's routes. */
interface TokenRequests {
  made: { registry: string; pullOnly: boolean }[];
  /** Injected fault: refuse the full token route as API Gateway refuses a principal without permission for it (local mode admits every key it knows). */
  denyFull: boolean;
}

function tokenRequests(): TokenRequests {
  return { made: [], denyFull: false };
}

interface HelperRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One helper run in-process, at `now`, in `home`. */
async function helper(action: string, stdin: string, home: string, requests = tokenRequests(), now = new Date(), env: NodeJS.ProcessEnv = {}): Promise<HelperRun> {
  let stdout = '';
  let stderr = '';
  const api = (target: RegistryTarget, options: { dataDir?: string }): BerthApi => {
    const real = createBerthApi(target, options);
    return {
      ...real,
      async loginToken(request) {
        requests.made.push({ registry: target.url, pullOnly: request.pullOnly });
        if (requests.denyFull && !request.pullOnly) throw new ApiError('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: execute-api:Invoke', 403);
        return real.loginToken(request);
      },
    };
  };
  const code = await runCredentialHelper([action], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => stdin,
    env: { HOME: home, ...env },
    now: () => now,
    api,
  });
  return { code, stdout, stderr };
}

const secretOf = (run: HelperRun) => (JSON.parse(run.stdout) as { Secret: string }).Secret;

function newHome(): string {
  return mkdtempSync(join(scratch, 'home-'));
}

const cacheFile = (home: string) => join(home, '.cache', 'berth', 'credentials.json');
const logFile = (home: string) => join(home, '.cache', 'berth', 'credential-helper.log');

describe('the credential-helper protocol', () => {
  it('answers get with ServerURL, Username AWS and a token the registry takes as Secret, and nothing else on stdout', async () => {
    const requests = tokenRequests();
    const result = await helper('get', `${hostOf(registry)}\n`, newHome(), requests);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\{[^\n]*\}\n$/);
    expect(JSON.parse(result.stdout)).toEqual({ ServerURL: hostOf(registry), Username: 'AWS', Secret: expect.any(String) });
    expect(await status(registry().url, secretOf(result))).toBe(200);
    expect(requests.made).toEqual([{ registry: registry().url, pullOnly: false }]);
  });

  it('takes the registry from the server URL: http:// on this machine, https:// elsewhere, the scheme given, and no path', async () => {
    const home = newHome();
    const port = new URL(registry().url).port;
    const local = tokenRequests();
    for (const server of [hostOf(registry), `localhost:${port}`, `http://127.0.0.1:${port}/v2/`]) {
      const result = await helper('get', server, home, local);
      expect(result.code, `${server}: ${result.stderr}`).toBe(0);
      expect(await status(registry().url, secretOf(result)), server).toBe(200);
    }
    expect(local.made.map((request) => request.registry)).toEqual([registry().url, `http://localhost:${port}`]);

    // Elsewhere: the helper asks where it would, and fails as it would there without credentials for it.
    const remote = { ...tokenRequests(), denyFull: true };
    for (const server of ['registry.example.com', 'https://registry.example.com/v2/', 'http://10.0.0.5:5000']) {
      const result = await helper('get', server, home, remote);
      expect(result.stdout, server).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    }
    expect(remote.made.filter((request) => !request.pullOnly).map((request) => request.registry)).toEqual([
      'https://registry.example.com', 'https://registry.example.com', 'http://10.0.0.5:5000',
    ]);
  });

  it('asks for pull-only tokens for a registry that berth login --pull-only recorded: they pull and cannot push', async () => {
    const requests = tokenRequests();
    const home = newHome();
    saveLogin(join(home, '.config', 'berth', 'logins.json'), hostOf(registry), { registry: registry().url, pullOnly: true });
    const result = await helper('get', hostOf(registry), home, requests);
    expect(result.code, result.stderr).toBe(0);
    expect(requests.made).toEqual([{ registry: registry().url, pullOnly: true }]);
    expect(await status(registry().url, secretOf(result), 'GET', '/v2/')).toBe(200);
    expect(await status(registry().url, secretOf(result), 'POST', '/v2/helper/pull-only/blobs/uploads/')).toBe(403);
  });

  it('falls back to the pull-only route when API Gateway refuses the full one, and caches that', async () => {
    const requests = { ...tokenRequests(), denyFull: true };
    const home = newHome();
    const first = await helper('get', hostOf(registry), home, requests);
    expect(first.code, first.stderr).toBe(0);
    expect(requests.made.map((request) => request.pullOnly)).toEqual([false, true]);
    expect(await status(registry().url, secretOf(first), 'POST', '/v2/helper/fallback/blobs/uploads/')).toBe(403);
    expect(secretOf(await helper('get', hostOf(registry), home, requests))).toBe(secretOf(first));
    expect(requests.made).toHaveLength(2);
  });

  it('forgets a registry\'s tokens on erase, and lists the registries it has tokens for', async () => {
    const requests = tokenRequests();
    const home = newHome();
    await helper('get', hostOf(registry), home, requests);
    await helper('get', other().url, home, requests);

    const listed = await helper('list', '', home, requests);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      [registry().url]: 'AWS', [hostOf(registry)]: 'AWS', [other().url]: 'AWS', [hostOf(other)]: 'AWS',
    });

    expect(await helper('erase', hostOf(registry), home, requests)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse((await helper('list', '', home, requests)).stdout)).toEqual({ [other().url]: 'AWS', [hostOf(other)]: 'AWS' });
    // The next get fetches a new token.
    expect((await helper('get', hostOf(registry), home, requests)).code).toBe(0);
    expect(requests.made.map((request) => request.registry)).toEqual([registry().url, other().url, registry().url]);
  });

  it('prints docker-credential-helpers\' usage and refusal of unknown actions', async () => {
    const home = newHome();
    expect(await helper('frobnicate', '', home)).toEqual({ code: 1, stdout: 'Unknown credential action `frobnicate`\n', stderr: '' });
    let stdout = '';
    const code = await runCredentialHelper([], { stdout: (text) => (stdout += text), stderr: () => undefined, readStdin: async () => '', env: { HOME: home } });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Usage: docker-credential-berth <get\|store\|erase\|list\|version>\n$/);
  });
});

describe('failures', () => {
  it('print "credentials not found" on stdout, one line on stderr, and the details in the log, with exit 1', async () => {
    signAs('AKIAUNKNOWNUNKNOWN00', 'not-a-key-the-registry-knows');
    const home = newHome();
    const result = await helper('get', hostOf(registry), home, tokenRequests(), new Date('2030-01-02T03:04:05Z'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    const reason = /^docker-credential-berth: no credentials for [^:]+:\d+: (\w+: [^\n]+) \(log: ([^\n]+)\)\n$/.exec(result.stderr);
    expect(reason?.[2], result.stderr).toBe(logFile(home));
    expect(readFileSync(logFile(home), 'utf8')).toBe(`2030-01-02T03:04:05.000Z get "${hostOf(registry)}": ${CREDENTIALS_NOT_FOUND}: ${reason![1]}\n`);
    expect(statSync(logFile(home)).mode & 0o777).toBe(0o600);
  });

  it('include an empty server URL, and a log that cannot be written', async () => {
    const home = newHome();
    const empty = await helper('get', '\n', home);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(readFileSync(logFile(home), 'utf8')).toContain('no server URL on standard input');

    // The log's directory is a file: the helper still answers the protocol.
    const blocked = newHome();
    writeFileSync(join(blocked, '.cache'), 'not a directory');
    const unlogged = await helper('get', '', blocked);
    expect(unlogged.code).toBe(1);
    expect(unlogged.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
  });

  it('still answer get when the cache cannot be written, noting it in the log', async () => {
    const home = newHome();
    mkdirSync(join(home, '.cache', 'berth'), { recursive: true });
    mkdirSync(cacheFile(home)); // a directory where the file should be
    const result = await helper('get', hostOf(registry), home);
    expect(result.code, result.stderr).toBe(0);
    expect(await status(registry().url, secretOf(result))).toBe(200);
    expect(readFileSync(logFile(home), 'utf8')).toMatch(/could not cache the token in /);
  });
});

describe('where the helper keeps its files', () => {
  it('logs to BERTH_LOG_FILE, caches in BERTH_CACHE_DIR and reads logins from BERTH_CONFIG_DIR', async () => {
    const home = newHome();
    const elsewhere = mkdtempSync(join(scratch, 'elsewhere-'));
    const env = { BERTH_LOG_FILE: join(elsewhere, 'helper.log'), BERTH_CACHE_DIR: join(elsewhere, 'cache'), BERTH_CONFIG_DIR: join(elsewhere, 'config') };
    saveLogin(join(elsewhere, 'config', 'logins.json'), hostOf(registry), { registry: registry().url, pullOnly: true });
    const requests = tokenRequests();
    const got = await helper('get', hostOf(registry), home, requests, new Date(), env);
    expect(got.code, got.stderr).toBe(0);
    expect(requests.made).toEqual([{ registry: registry().url, pullOnly: true }]);
    expect(Object.values((JSON.parse(readFileSync(join(elsewhere, 'cache', 'credentials.json'), 'utf8')) as { tokens: Record<string, CachedToken> }).tokens)
      .map((token) => token.password)).toEqual([secretOf(got)]);

    const failed = await helper('get', '', home, requests, new Date(), env);
    expect(failed.stderr).toContain(`(log: ${env.BERTH_LOG_FILE})`);
    expect(readFileSync(env.BERTH_LOG_FILE, 'utf8')).toContain('no server URL on standard input');
    // Nothing under the home directory.
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('the token cache', () => {
  it('serves a token from a 0600 file until less than 30 minutes remain, then fetches another', async () => {
    const requests = tokenRequests();
    const home = newHome();
    // The registry's tokens live 12 hours from now.
    const start = new Date();
    const at = (ms: number) => new Date(start.getTime() + ms);
    const secret = async (when: Date) => secretOf(await helper('get', hostOf(registry), home, requests, when));

    const first = await secret(start);
    expect(statSync(cacheFile(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.cache', 'berth')).mode & 0o777).toBe(0o700);
    expect(await secret(at(11 * HOUR))).toBe(first);
    expect(await secret(at(11.45 * HOUR))).toBe(first);
    expect(requests.made).toHaveLength(1);
    await secret(at(11.6 * HOUR));
    expect(requests.made).toHaveLength(2);
  });

  it('refreshes short-lived tokens at half their lifetime', async () => {
    const requests = tokenRequests();
    const home = newHome();
    const start = new Date();
    await helper('get', hostOf(shortLived), home, requests, start);
    await helper('get', hostOf(shortLived), home, requests, new Date(start.getTime() + 9 * 60 * 1000));
    expect(requests.made).toHaveLength(1);
    await helper('get', hostOf(shortLived), home, requests, new Date(start.getTime() + 11 * 60 * 1000));
    expect(requests.made).toHaveLength(2);
  });

  it('keeps tokens per registry and principal', async () => {
    const requests = tokenRequests();
    const home = newHome();
    const mine = secretOf(await helper('get', hostOf(registry), home, requests));
    const theirs = secretOf(await helper('get', hostOf(other), home, requests));
    expect(requests.made).toHaveLength(2);
    // Another principal gets none of the administrator's cached tokens: it asks, and this registry does not know it.
    signAs('AKIAUNKNOWNUNKNOWN00', 'not-a-key-the-registry-knows');
    expect((await helper('get', hostOf(registry), home, requests)).stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(requests.made).toHaveLength(3);
    signAs();
    expect(secretOf(await helper('get', hostOf(registry), home, requests))).toBe(mine);
    expect(secretOf(await helper('get', hostOf(other), home, requests))).toBe(theirs);
    expect(requests.made).toHaveLength(3);
  });

  it('replaces a cache that is not JSON, noting it in the log', async () => {
    const home = newHome();
    mkdirSync(join(home, '.cache', 'berth'), { recursive: true });
    writeFileSync(cacheFile(home), '{"tokens": {"half');
    const result = await helper('get', hostOf(registry), home);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(cacheFile(home), 'utf8'))).toMatchObject({ version: 1, tokens: expect.any(Object) });
    expect(readFileSync(logFile(home), 'utf8')).toMatch(/credentials\.json is not valid JSON, so it is ignored and will be replaced/);
  });

  it('drops expired tokens when it writes', () => {
    const cache = new TokenCache(join(newHome(), 'cache.json'));
    const token = (registry: string, expiresAt: string): CachedToken => ({
      registry, principal: 'AKIA', scope: 'all', pullOnly: false, password: 'p', issuedAt: '2030-01-01T00:00:00Z', expiresAt,
    });
    const now = new Date('2030-01-01T06:00:00Z');
    cache.put(token('http://a', '2030-01-01T05:00:00Z'), new Date('2030-01-01T01:00:00Z'));
    cache.put(token('http://b', '2030-01-01T12:00:00Z'), now);
    expect(cache.list(now).map((entry) => entry.registry)).toEqual(['http://b']);
    expect(Object.keys((JSON.parse(readFileSync(cache.file, 'utf8')) as { tokens: object }).tokens)).toHaveLength(1);
  });

  it('waits for a lock that is held, breaks one left behind, and gives up on one held too long', () => {
    const file = join(newHome(), 'locked.json');
    writeFileSync(`${file}.lock`, '');
    expect(() => withFileLock(file, () => 1, { timeoutMs: 50 })).toThrow(LockTimeout);
    expect(withFileLock(file, () => 2, { timeoutMs: 1000, staleMs: 0 })).toBe(2);
    expect(withFileLock(file, () => 3)).toBe(3);
  });
});

describe('docker-credential-berth against registries', () => {
  const bins = useBerthBins();

  it('prints "credentials not found" when no credentials are configured, and logs why', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home);
    const result = await runHelper(bins(), 'get', env, hostOf(registry));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(result.stderr).toMatch(new RegExp(`^docker-credential-berth: no credentials for ${hostOf(registry)}: CredentialsProviderError: no AWS credentials are configured, .*\\(log: ${logFile(home)}\\)\\n$`));
    expect(readFileSync(logFile(home), 'utf8')).toMatch(/ get "127\.0\.0\.1:\d+": credentials not found in native keychain: CredentialsProviderError: /);
  });

  it('gives each registry its own token, which another registry refuses', async () => {
    const home = freshHome(bins());
    const env = (running: typeof registry) => clientEnv(bins(), home, { credentials: running().adminKey });
    const mine = await runHelper(bins(), 'get', env(registry), hostOf(registry));
    const theirs = await runHelper(bins(), 'get', env(other), hostOf(other));
    expect(mine.code, mine.stderr).toBe(0);
    expect(theirs.code, theirs.stderr).toBe(0);
    const mySecret = (JSON.parse(mine.stdout) as { Secret: string }).Secret;
    const theirSecret = (JSON.parse(theirs.stdout) as { Secret: string }).Secret;
    expect(await status(registry().url, mySecret)).toBe(200);
    expect(await status(other().url, theirSecret)).toBe(200);
    expect(await status(other().url, mySecret)).toBe(401);
    expect(await status(registry().url, theirSecret)).toBe(401);
  });

  it('keeps a cache that parses, with every helper\'s token, when helpers run at once', async () => {
    const home = freshHome(bins());
    const env = (running: typeof registry) => clientEnv(bins(), home, { credentials: running().adminKey });
    const registries = [registry, other, registry, other];
    // Six rounds of four helpers at once: enough to interleave their locks, inside the test timeout on a busy machine.
    for (let round = 0; round < 6; round += 1) {
      // An empty cache each round, so that every helper fetches and writes.
      rmSync(cacheFile(home), { force: true });
      const results = await Promise.all(registries.map((running) => runHelper(bins(), 'get', env(running), hostOf(running))));
      for (const [i, result] of results.entries()) {
        expect(result.code, `round ${round}, helper ${i}: ${result.stdout}${result.stderr}`).toBe(0);
        const answer = JSON.parse(result.stdout) as { ServerURL: string; Username: string; Secret: string };
        expect(answer).toMatchObject({ ServerURL: hostOf(registries[i]!), Username: 'AWS' });
        if (round % 5 === 0) expect(await status(registries[i]!().url, answer.Secret)).toBe(200);
      }
      const cache = JSON.parse(readFileSync(cacheFile(home), 'utf8')) as { tokens: Record<string, CachedToken> };
      expect(Object.values(cache.tokens).map((token) => token.registry).sort(), `round ${round}`).toEqual([registry().url, other().url].sort());
      expect(statSync(cacheFile(home)).mode & 0o777).toBe(0o600);
    }
    // Nothing left behind: no lock, no temporary files.
    expect(readdirSync(join(home, '.cache', 'berth')).filter((name) => name !== 'credential-helper.log')).toEqual(['credentials.json']);
  });
});
