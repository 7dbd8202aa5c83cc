import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, type BerthApi, type LoginToken } from '../../cli/berth-api.js';
import { CREDENTIALS_NOT_FOUND, runCredentialHelper } from '../../cli/credential-helper.js';
import { withFileLock, LockTimeout } from '../../cli/files.js';
import { saveLogin } from '../../cli/logins.js';
import type { RegistryTarget } from '../../cli/registry.js';
import { TokenCache, type CachedToken } from '../../cli/token-cache.js';
import { basic, clientEnv, freshHome, runHelper, useBerthBins } from '../support/berth-bins.js';
import { RegistryClient } from '../support/client.js';
import { useRegistry } from '../support/registry.js';

/**
 * docker-credential-berth: the protocol and the cache in-process against a fake
 * token route, then the bundle against real registries: no credentials, and
 * helpers running at once against one cache.
 */

const scratch = mkdtempSync(join(tmpdir(), 'berth-helper-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOUR = 3600 * 1000;

interface FakeRoute {
  calls: { registry: string; pullOnly: boolean; accessKeyId: string }[];
  /** The access key the next helper runs sign with. */
  accessKeyId: string;
  lifetimeMs: number;
  /** Refuse the full token route as API Gateway refuses a principal without permission for it. */
  denyFull: boolean;
  failure?: Error;
}

function fakeRoute(): FakeRoute {
  return { calls: [], accessKeyId: 'AKIAFIRSTFIRSTFIRST0', lifetimeMs: 12 * HOUR, denyFull: false };
}

interface HelperRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One helper run in-process, at `now`, in `home`. */
async function helper(action: string, stdin: string, home: string, route: FakeRoute, now = new Date()): Promise<HelperRun> {
  let stdout = '';
  let stderr = '';
  const api = (registry: RegistryTarget): BerthApi => ({
    accessKeyId: async () => route.accessKeyId,
    region: async () => 'us-east-1',
    async loginToken({ pullOnly }): Promise<LoginToken> {
      route.calls.push({ registry: registry.url, pullOnly, accessKeyId: route.accessKeyId });
      if (route.failure) throw route.failure;
      if (route.denyFull && !pullOnly) throw new ApiError('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: execute-api:Invoke', 403);
      const password = `token-${route.calls.length}-${pullOnly ? 'pull' : 'all'}`;
      const expiresAt = new Date(now.getTime() + route.lifetimeMs);
      return { password, expiresAt, proxyEndpoint: registry.url, authorizationData: { authorizationToken: '', expiresAt: expiresAt.getTime() / 1000, proxyEndpoint: registry.url } };
    },
    call: async () => ({}),
  });
  const code = await runCredentialHelper([action], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => stdin,
    env: { HOME: home },
    now: () => now,
    api,
  });
  return { code, stdout, stderr };
}

function newHome(): string {
  return mkdtempSync(join(scratch, 'home-'));
}

const cacheFile = (home: string) => join(home, '.cache', 'berth', 'credentials.json');
const logFile = (home: string) => join(home, '.cache', 'berth', 'credential-helper.log');

describe('the credential-helper protocol', () => {
  it('answers get with ServerURL, Username AWS and the token as Secret, and nothing else on stdout', async () => {
    const route = fakeRoute();
    const result = await helper('get', '127.0.0.1:5000\n', newHome(), route);
    expect(result).toEqual({ code: 0, stdout: '{"ServerURL":"127.0.0.1:5000","Username":"AWS","Secret":"token-1-all"}\n', stderr: '' });
    expect(route.calls).toEqual([{ registry: 'http://127.0.0.1:5000', pullOnly: false, accessKeyId: 'AKIAFIRSTFIRSTFIRST0' }]);
  });

  it('takes the registry from the server URL: http:// on this machine, https:// elsewhere, the scheme given, and no path', async () => {
    const route = fakeRoute();
    const home = newHome();
    for (const server of ['localhost:5001', 'registry.example.com', 'https://registry.example.com/v2/', 'http://10.0.0.5:5000', 'https://127.0.0.1:5443']) {
      expect((await helper('get', server, home, route)).code, server).toBe(0);
    }
    expect(route.calls.map((call) => call.registry)).toEqual([
      'http://localhost:5001', 'https://registry.example.com', 'http://10.0.0.5:5000', 'https://127.0.0.1:5443',
    ]);
  });

  it('asks for pull-only tokens for a registry that berth login --pull-only recorded, at the URL it recorded', async () => {
    const route = fakeRoute();
    const home = newHome();
    saveLogin(join(home, '.config', 'berth', 'logins.json'), 'registry.example.com', { registry: 'https://registry.example.com', pullOnly: true });
    const result = await helper('get', 'registry.example.com', home, route);
    expect(JSON.parse(result.stdout)).toMatchObject({ Secret: 'token-1-pull' });
    expect(route.calls).toEqual([{ registry: 'https://registry.example.com', pullOnly: true, accessKeyId: route.accessKeyId }]);
  });

  it('falls back to the pull-only route when API Gateway refuses the full one, and caches that', async () => {
    const route = { ...fakeRoute(), denyFull: true };
    const home = newHome();
    const first = await helper('get', 'registry.example.com', home, route);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ Secret: 'token-2-pull' });
    expect(route.calls.map((call) => call.pullOnly)).toEqual([false, true]);
    expect(JSON.parse((await helper('get', 'registry.example.com', home, route)).stdout)).toMatchObject({ Secret: 'token-2-pull' });
    expect(route.calls).toHaveLength(2);
  });

  it('accepts store without keeping anything, forgets a registry\'s tokens on erase, and lists the registries it has tokens for', async () => {
    const route = fakeRoute();
    const home = newHome();
    await helper('get', '127.0.0.1:5000', home, route);
    await helper('get', 'https://registry.example.com', home, route);

    const stored = await helper('store', JSON.stringify({ ServerURL: '127.0.0.1:5000', Username: 'AWS', Secret: 'a-password-docker-login-got' }), home, route);
    expect(stored).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(cacheFile(home), 'utf8')).not.toContain('a-password-docker-login-got');
    expect(readFileSync(logFile(home), 'utf8')).not.toContain('a-password-docker-login-got');

    const listed = await helper('list', '', home, route);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      'http://127.0.0.1:5000': 'AWS', '127.0.0.1:5000': 'AWS', 'https://registry.example.com': 'AWS', 'registry.example.com': 'AWS',
    });

    expect(await helper('erase', '127.0.0.1:5000', home, route)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse((await helper('list', '', home, route)).stdout)).toEqual({ 'https://registry.example.com': 'AWS', 'registry.example.com': 'AWS' });
    // The next get fetches a new token.
    expect(JSON.parse((await helper('get', '127.0.0.1:5000', home, route)).stdout)).toMatchObject({ Secret: 'token-3-all' });
  });

  it('prints docker-credential-helpers\' usage and refusal of unknown actions', async () => {
    const home = newHome();
    expect(await helper('frobnicate', '', home, fakeRoute())).toEqual({ code: 1, stdout: 'Unknown credential action `frobnicate`\n', stderr: '' });
    let stdout = '';
    const code = await runCredentialHelper([], { stdout: (text) => (stdout += text), stderr: () => undefined, readStdin: async () => '', env: { HOME: home } });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Usage: docker-credential-berth <get\|store\|erase\|list\|version>\n$/);
  });
});

describe('failures', () => {
  it('print "credentials not found" on stdout, one line on stderr, and the details in the log, with exit 1', async () => {
    const route = { ...fakeRoute(), failure: new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403) };
    const home = newHome();
    const result = await helper('get', 'registry.example.com', home, route, new Date('2030-01-02T03:04:05Z'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(result.stderr).toBe(`docker-credential-berth: no credentials for registry.example.com: UnrecognizedClientException: The security token included in the request is invalid. (hint: check which credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID)) (log: ${logFile(home)})\n`);
    expect(readFileSync(logFile(home), 'utf8')).toBe(
      `2030-01-02T03:04:05.000Z get "registry.example.com": ${CREDENTIALS_NOT_FOUND}: UnrecognizedClientException: The security token included in the request is invalid. (hint: check which credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID))\n`,
    );
    expect(statSync(logFile(home)).mode & 0o777).toBe(0o600);
  });

  it('include an empty server URL, and a log that cannot be written', async () => {
    const home = newHome();
    const empty = await helper('get', '\n', home, fakeRoute());
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(readFileSync(logFile(home), 'utf8')).toContain('no server URL on standard input');

    // The log's directory is a file: the helper still answers the protocol.
    const blocked = newHome();
    writeFileSync(join(blocked, '.cache'), 'not a directory');
    const unlogged = await helper('get', '', blocked, fakeRoute());
    expect(unlogged.code).toBe(1);
    expect(unlogged.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
  });

  it('still answer get when the cache cannot be written, noting it in the log', async () => {
    const home = newHome();
    mkdirSync(join(home, '.cache', 'berth'), { recursive: true });
    mkdirSync(cacheFile(home)); // a directory where the file should be
    const result = await helper('get', '127.0.0.1:5000', home, fakeRoute());
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ Secret: 'token-1-all' });
    expect(readFileSync(logFile(home), 'utf8')).toMatch(/could not cache the token in /);
  });
});

describe('the token cache', () => {
  it('serves a token from a 0600 file until less than 30 minutes remain, then fetches another', async () => {
    const route = fakeRoute();
    const home = newHome();
    const start = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => new Date(start.getTime() + ms);
    const secret = async (when: Date) => (JSON.parse((await helper('get', '127.0.0.1:5000', home, route, when)).stdout) as { Secret: string }).Secret;

    expect(await secret(start)).toBe('token-1-all');
    expect(statSync(cacheFile(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.cache', 'berth')).mode & 0o777).toBe(0o700);
    expect(await secret(at(11 * HOUR))).toBe('token-1-all');
    expect(await secret(at(11.49 * HOUR))).toBe('token-1-all');
    expect(route.calls).toHaveLength(1);
    expect(await secret(at(11.6 * HOUR))).toBe('token-2-all');
    expect(route.calls).toHaveLength(2);
  });

  it('refreshes short-lived tokens at half their lifetime', async () => {
    const route = { ...fakeRoute(), lifetimeMs: 20 * 60 * 1000 };
    const home = newHome();
    const start = new Date('2030-01-01T00:00:00Z');
    await helper('get', '127.0.0.1:5000', home, route, start);
    await helper('get', '127.0.0.1:5000', home, route, new Date(start.getTime() + 9 * 60 * 1000));
    expect(route.calls).toHaveLength(1);
    await helper('get', '127.0.0.1:5000', home, route, new Date(start.getTime() + 11 * 60 * 1000));
    expect(route.calls).toHaveLength(2);
  });

  it('keeps tokens per registry and principal', async () => {
    const route = fakeRoute();
    const home = newHome();
    const secret = async (server: string) => (JSON.parse((await helper('get', server, home, route)).stdout) as { Secret: string }).Secret;
    expect(await secret('127.0.0.1:5000')).toBe('token-1-all');
    expect(await secret('127.0.0.1:5001')).toBe('token-2-all');
    route.accessKeyId = 'AKIASECONDSECONDSEC0';
    expect(await secret('127.0.0.1:5000')).toBe('token-3-all');
    route.accessKeyId = 'AKIAFIRSTFIRSTFIRST0';
    expect(await secret('127.0.0.1:5000')).toBe('token-1-all');
    expect(await secret('127.0.0.1:5001')).toBe('token-2-all');
    expect(route.calls).toHaveLength(3);
  });

  it('replaces a cache that is not JSON, noting it in the log', async () => {
    const route = fakeRoute();
    const home = newHome();
    mkdirSync(join(home, '.cache', 'berth'), { recursive: true });
    writeFileSync(cacheFile(home), '{"tokens": {"half');
    const result = await helper('get', '127.0.0.1:5000', home, route);
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
  const registry = useRegistry();
  const other = useRegistry();
  const bins = useBerthBins();
  const hostOf = (url: string) => new URL(url).host;
  const status = async (url: string, secret: string) => (await new RegistryClient(url, async () => basic('AWS', secret)).request('GET', '/v2/')).status;

  it('prints "credentials not found" when no credentials are configured, and logs why', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home);
    const result = await runHelper(bins(), 'get', env, hostOf(registry().url));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);
    expect(result.stderr).toMatch(new RegExp(`^docker-credential-berth: no credentials for ${hostOf(registry().url)}: CredentialsProviderError: no AWS credentials are configured, .*\\(log: ${logFile(home)}\\)\\n$`));
    expect(readFileSync(logFile(home), 'utf8')).toMatch(/ get "127\.0\.0\.1:\d+": credentials not found in native keychain: CredentialsProviderError: /);
  });

  it('gives each registry its own token, which another registry refuses', async () => {
    const home = freshHome(bins());
    const env = (running: typeof registry) => clientEnv(bins(), home, { credentials: running().adminKey });
    const mine = await runHelper(bins(), 'get', env(registry), hostOf(registry().url));
    const theirs = await runHelper(bins(), 'get', env(other), hostOf(other().url));
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
    for (let round = 0; round < 15; round += 1) {
      // An empty cache each round, so that every helper fetches and writes.
      rmSync(cacheFile(home), { force: true });
      const results = await Promise.all(registries.map((running) => runHelper(bins(), 'get', env(running), hostOf(running().url))));
      for (const [i, result] of results.entries()) {
        expect(result.code, `round ${round}, helper ${i}: ${result.stdout}${result.stderr}`).toBe(0);
        const answer = JSON.parse(result.stdout) as { ServerURL: string; Username: string; Secret: string };
        expect(answer).toMatchObject({ ServerURL: hostOf(registries[i]!().url), Username: 'AWS' });
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
