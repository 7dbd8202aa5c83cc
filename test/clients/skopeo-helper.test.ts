import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, runProcess, useBerthBins } from '../support/berth-bins.js';
import { imageBlobs, ociImage, sha256 } from '../support/oci.js';
import { readOciLayout, writeOciLayout } from '../support/oci-layout.js';
import { useRegistry } from '../support/registry.js';
import { describeWith, locateTool } from '../support/tools.js';

/**
 * skopeo (1.9) pushing and pulling with credentials from docker-credential-berth
 * alone: `berth login` writes credHelpers into the docker config, which
 * containers/image reads from $DOCKER_CONFIG/config.json, no --creds given.
 */

const skopeo = locateTool('skopeo', 'apt-get install skopeo');
describeWith([skopeo], 'skopeo through docker-credential-berth', () => {
  const registry = useRegistry();
  const bins = useBerthBins();
  const host = () => new URL(registry().url).host;

  function run(env: NodeJS.ProcessEnv, ...args: string[]) {
    return runProcess(skopeo.path!, ['--insecure-policy', ...args], env);
  }

  it('pushes and pulls an image, a layer past the API request limit included', async () => {
    // The upload gateway takes the large layer, authorized by the Location: the helper's login feeds the rest.
    const image = ociImage({ layerSizes: [6 * 1024 * 1024, 1024] });
    const home = freshHome(bins());
    const source = join(home, 'source');
    writeOciLayout(source, [{ name: 'app', manifest: image.manifest }], imageBlobs(image));
    // containers/image reads credHelpers from $DOCKER_CONFIG/config.json, wherever DOCKER_CONFIG points.
    const env = clientEnv(bins(), home, { credentials: registry().adminKey, extra: { DOCKER_CONFIG: join(home, 'docker-elsewhere') } });
    const login = await runBerthBundle(bins(), ['login', '--registry', registry().url], env);
    expect(login.code, login.stderr).toBe(0);
    expect(existsSync(join(home, 'docker-elsewhere', 'config.json'))).toBe(true);

    const target = `docker://${host()}/skopeo/helper:v1`;
    const pushed = await run(env, 'copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${source}:app`, target);
    expect(pushed.code, pushed.stderr).toBe(0);
    const raw = await run(env, 'inspect', '--raw', '--tls-verify=false', target);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sha256(Buffer.from(raw.stdout))).toBe(image.manifest.digest);

    const out = join(home, 'pulled');
    const pulled = await run(env, 'copy', '--src-tls-verify=false', target, `oci:${out}:app`);
    expect(pulled.code, pulled.stderr).toBe(0);
    const copy = readOciLayout(out);
    expect(copy.refDigest('app')).toBe(image.manifest.digest);
    expect(copy.digests()).toEqual(imageBlobs(image).map((item) => item.digest).sort());
  });

  it('pulls but cannot push after berth login --pull-only', async () => {
    const image = ociImage();
    const home = freshHome(bins());
    const source = join(home, 'source');
    writeOciLayout(source, [{ name: 'app', manifest: image.manifest }], imageBlobs(image));
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });
    // Pushed with full tokens first, from a home of its own.
    const pusherHome = freshHome(bins());
    const pusher = clientEnv(bins(), pusherHome, { credentials: registry().adminKey });
    expect((await runBerthBundle(bins(), ['login', '--registry', registry().url], pusher)).code).toBe(0);
    expect((await run(pusher, 'copy', '--dest-tls-verify=false', `oci:${source}:app`, `docker://${host()}/skopeo/pull-only:v1`)).code).toBe(0);

    const login = await runBerthBundle(bins(), ['login', '--pull-only', '--registry', registry().url], env);
    expect(login.code, login.stderr).toBe(0);
    const pulled = await run(env, 'inspect', '--raw', '--tls-verify=false', `docker://${host()}/skopeo/pull-only:v1`);
    expect(pulled.code, pulled.stderr).toBe(0);
    const pushed = await run(env, 'copy', '--dest-tls-verify=false', `oci:${source}:app`, `docker://${host()}/skopeo/pull-only:v2`);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/denied/i);
  });

  it('is anonymous, and refused, without the helper\'s credentials', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });
    expect((await runBerthBundle(bins(), ['login', '--registry', registry().url], env)).code).toBe(0);
    // The same docker config, but no AWS credentials and no cached token.
    rmSync(join(home, '.cache'), { recursive: true, force: true });
    mkdirSync(join(home, '.cache'));
    const refused = await run(clientEnv(bins(), home), 'list-tags', '--tls-verify=false', `docker://${host()}/skopeo/pull-only`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`docker-credential-berth: no credentials for ${host()}: CredentialsProviderError: `);
    expect(refused.stderr).toMatch(/unauthorized/i);
  });
});
