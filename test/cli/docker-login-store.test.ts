import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, runProcess, useBerthBins } from '../support/berth-bins.js';
import { useRegistry } from '../support/registry.js';
import { describeWith, locateTool } from '../support/tools.js';

/**
 * `docker login` with a password for a registry whose credentials docker gets from
 * docker-credential-berth: the helper keeps no password, so docker must not say
 * "Login Succeeded" and go on with the helper's tokens as if it had stored one.
 */

const docker = locateTool('docker', 'apt-get install docker.io');

describeWith([docker], 'docker login while berth login set up the helper', () => {
  const registry = useRegistry();
  const bins = useBerthBins();

  it('fails, saying why and what to do, and leaves the docker config as it was', async () => {
    const home = freshHome(bins());
    const env = clientEnv(bins(), home, { credentials: registry().adminKey });
    const host = new URL(registry().url).host;
    expect((await runBerthBundle(bins(), ['login', '--registry', registry().url], env)).code).toBe(0);
    const configFile = join(home, '.docker', 'config.json');
    const before = readFileSync(configFile, 'utf8');

    const password = await runBerthBundle(bins(), ['get-login-password', '--registry', registry().url], env);
    const login = await runProcess(docker.path!, ['login', '-u', 'AWS', '--password-stdin', host], env, password.stdout);
    expect(login.code).not.toBe(0);
    expect(login.stdout).not.toContain('Login Succeeded');
    expect(login.stderr).toContain(`docker-credential-berth keeps no passwords: it fetches a token for ${host} with your AWS credentials whenever one is needed, `
      + `so there is no need to log in. To log in with a password instead, first remove "${host}" from credHelpers in ${configFile}.`);
    expect(readFileSync(configFile, 'utf8')).toBe(before);
  });
});
