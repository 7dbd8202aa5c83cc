import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CREDENTIALS_NOT_FOUND } from '../../cli/credential-helper.js';
import { clientEnv, freshHome, runBerthBundle, runProcess, useBerthBins } from '../support/berth-bins.js';
import { dockerImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { describeWith, locateTool } from '../support/tools.js';

/**
 * The real docker CLI, client only: no engine runs (DOCKER_HOST names a socket
 * nobody listens on), so `docker login` logs in client-side with GET /v2/, and
 * `docker manifest inspect` talks to the registry itself.
 */

const docker = locateTool('docker', 'apt-get install docker.io');
describeWith([docker], 'docker', () => {
  const registry = useRegistry();
  const bins = useBerthBins();
  const host = () => new URL(registry().url).host;

  function dockerRun(args: string[], env: NodeJS.ProcessEnv, stdin = '') {
    return runProcess(docker.path!, args, env, stdin);
  }

  it('logs in with the password of berth get-login-password on its standard input', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });
    const password = await runBerthBundle(bins(), ['get-login-password', '--registry', registry().url], env);
    expect(password.code, password.stderr).toBe(0);

    const login = await dockerRun(['login', '-u', 'AWS', '--password-stdin', host()], env, password.stdout);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    // No credHelpers entry: docker kept the password itself.
    const config = JSON.parse(readFileSync(join(home, '.docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths[host()]!.auth, 'base64').toString()).toBe(`AWS:${password.stdout.trim()}`);

    const wrong = await dockerRun(['login', '-u', 'AWS', '--password-stdin', host()], clientEnv(bins(), freshHome(bins())), 'not-a-token');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/failed with status: 401 Unauthorized/);
  });

  it('reads a manifest through docker-credential-berth alone after berth login', async () => {
    const image = dockerImage();
    await clientOf(registry()).pushImage('docker/helper', 'v1', image);
    const reference = `${host()}/docker/helper:v1`;
    const home = freshHome(bins());
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });

    // Before berth login, docker has no credentials for the registry.
    const anonymous = await dockerRun(['manifest', 'inspect', '--insecure', reference], env);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/no basic auth credentials|unauthorized/i);

    const login = await runBerthBundle(bins(), ['login', '--registry', registry().url], env);
    expect(login.code, login.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(home, '.docker', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toEqual({ credHelpers: { [host()]: 'berth' } });

    // A fresh cache: the helper fetches the token itself when docker asks.
    const inspect = await dockerRun(['manifest', 'inspect', '--insecure', reference], { ...env, BERTH_CACHE_DIR: join(home, 'empty-cache') });
    expect(inspect.code, inspect.stderr).toBe(0);
    const manifest = JSON.parse(inspect.stdout) as { mediaType: string; config: { digest: string }; layers: { digest: string }[] };
    expect(manifest.mediaType).toBe(image.manifest.mediaType);
    expect(manifest.config.digest).toBe(image.config.digest);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(image.layers.map((layer) => layer.digest));
    expect(readFileSync(join(home, 'empty-cache', 'credentials.json'), 'utf8')).toContain(registry().url);
  });

  it('logs out through docker-credential-berth, which forgets the registry\'s cached tokens', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });
    const login = await runBerthBundle(bins(), ['login', '--registry', registry().url], env);
    expect(login.code, login.stderr).toBe(0);
    const cache = join(home, '.cache', 'berth', 'credentials.json');
    const cached = () => Object.values((JSON.parse(readFileSync(cache, 'utf8')) as { tokens: Record<string, { registry: string }> }).tokens).map((token) => token.registry);
    expect(cached()).toEqual([registry().url]);

    const logout = await dockerRun(['logout', host()], env);
    expect(logout.code, logout.stderr).toBe(0);
    expect(cached()).toEqual([]);
    expect(readFileSync(join(home, '.cache', 'berth', 'credential-helper.log'), 'utf8')).toContain(`erase ${host()}: forgot 1 cached token(s) of ${registry().url}`);
  });

  it('is refused when the helper finds no credentials, which it logs', async () => {
    await clientOf(registry()).pushImage('docker/refused', 'v1', dockerImage());
    const home = freshHome(bins());
    const login = await runBerthBundle(bins(), ['login', '--registry', registry().url], clientEnv(bins(), home, { credentials: registry().adminKey }));
    expect(login.code, login.stderr).toBe(0);

    // The same home without AWS credentials, and without the token berth login cached.
    const env = clientEnv(bins(), home, { extra: { BERTH_CACHE_DIR: join(home, 'other-cache') } });
    const helper = await runProcess(bins().helper, ['get'], env, host());
    expect(helper.code).toBe(1);
    expect(helper.stdout).toBe(`${CREDENTIALS_NOT_FOUND}\n`);

    const inspect = await dockerRun(['manifest', 'inspect', '--insecure', `${host()}/docker/refused:v1`], env);
    expect(inspect.code).not.toBe(0);
    // docker shows the helper's stderr, then treats "credentials not found" as no credentials.
    expect(inspect.stderr).toContain(`docker-credential-berth: no credentials for ${host()}: CredentialsProviderError: `);
    expect(inspect.stderr).toMatch(/no basic auth credentials|unauthorized/i);
    expect(readFileSync(join(home, 'other-cache', 'credential-helper.log'), 'utf8')).toMatch(/credentials not found in native keychain: CredentialsProviderError: /);
  });
});
