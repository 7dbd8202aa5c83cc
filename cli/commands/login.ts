import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { flagOption, type Command } from '../command.js';
import { addCredentialHelper, CREDENTIAL_HELPER } from '../docker-config.js';
import { CliError } from '../errors.js';
import { dockerConfigFile, loginsFile } from '../locations.js';
import { saveLogin } from '../logins.js';
import { formatDate } from '../output.js';
import { loginRecordOf, registryCredentials, requestedToken, type LoginTarget, type RegistryCredentials } from '../registry-credentials.js';
import type { RegistryTarget } from '../registry.js';

/**
 * berth get-login-password and berth login: registry tokens for docker, from the token routes
 * (from the STS token routes for principals of other accounts, which the IAM authorizer refuses).
 */

/** The executable docker runs for credHelpers entries naming `berth`. */
export const HELPER_EXECUTABLE = `docker-credential-${CREDENTIAL_HELPER}`;

const PULL_ONLY_TOKEN = 'a token that may pull but not push or delete (the pull-only token route)';

const getLoginPassword: Command = {
  name: ['get-login-password'],
  args: [],
  synopsis: '[--pull-only]',
  summary: 'Prints a registry token, the password of `docker login -u AWS --password-stdin HOST`, as `aws ecr get-login-password` does.',
  options: { 'pull-only': { type: 'boolean', description: PULL_ONLY_TOKEN } },
  async run(input, { api }) {
    const token = await requestedToken(api(), flagOption(input, 'pull-only'));
    return { data: { authorizationData: [token.authorizationData] }, text: () => token.password };
  },
};

const login: Command = {
  name: ['login'],
  args: [],
  synopsis: '[--pull-only]',
  summary: 'Checks that the registry accepts a token fetched with your AWS credentials, then sets docker-credential-berth as docker\'s '
    + 'credential helper for it (credHelpers in $DOCKER_CONFIG/config.json, else ~/.docker/config.json); a login that fails changes nothing. '
    + 'The helper fetches and caches tokens whenever docker, podman or skopeo needs them; it finds the registry\'s URL in ~/.config/berth/logins.json.',
  options: { 'pull-only': { type: 'boolean', description: `have the helper fetch pull-only tokens: ${PULL_ONLY_TOKEN.replace(/^a token/, 'tokens')}` } },
  async run(input, context) {
    const { registry, env } = context;
    const pullOnly = flagOption(input, 'pull-only');
    const host = new URL(registry.url).host;
    const configFile = dockerConfigFile(env);
    const record = loginRecordOf(registry, pullOnly, env);

    // Everything is checked before anything is written: a login that fails changes nothing.
    const target: LoginTarget = { registry, pullOnly, ...(record.dataDir ? { dataDir: record.dataDir } : {}) };
    const deps = { env, api: () => context.api() };
    // What docker will get from the helper: the same logic, the same cache.
    let credentials = await registryCredentials(target, deps);
    let status = await checkRegistry(registry, credentials);
    if (status === 401 && credentials.cached) {
      // A cached token the registry no longer takes (its signing keys were replaced): fetch another.
      credentials = await registryCredentials(target, deps, { fresh: true });
      status = await checkRegistry(registry, credentials);
    }
    if (status === 401) {
      throw new CliError('LoginRefused', `${registry.url}/v2/ refused the token its token route issued (HTTP 401)`,
        'check that --registry (or BERTH_REGISTRY) is the registry\'s URL, and not a proxy or another deployment in front of it');
    }
    if (status !== 200) {
      throw new CliError('UnexpectedResponse', `${registry.url}/v2/ answered HTTP ${status} to the token; is it a Berth registry?`,
        'check the registry URL (--registry or BERTH_REGISTRY)');
    }
    if (!onPath(HELPER_EXECUTABLE, env.PATH)) {
      throw new CliError('CredentialHelperNotFound',
        `the registry accepts the token, but ${HELPER_EXECUTABLE} is not on PATH, so docker could not run it; ${configFile} is left as it was`,
        `put it on PATH: \`npm link\` in Berth's checkout links both berth and ${HELPER_EXECUTABLE}`);
    }
    const { previous } = addCredentialHelper(configFile, host);
    saveLogin(loginsFile(env), host, record);
    return {
      data: {
        registry: registry.url, host, dockerConfig: configFile, credHelper: CREDENTIAL_HELPER,
        pullOnly: credentials.pullOnly, expiresAt: credentials.expiresAt.toISOString(),
      },
      text: () => [
        `${configFile}: docker gets credentials for ${host} from ${HELPER_EXECUTABLE}`
          + `${previous && previous !== CREDENTIAL_HELPER ? ` (instead of docker-credential-${previous})` : ''}.`,
        `Login Succeeded${credentials.pullOnly ? ' (pull-only tokens)' : ''}: tokens are renewed as they expire; this one is valid until ${formatDate(credentials.expiresAt)}.`,
      ].join('\n'),
    };
  },
};

/** GET /v2/ with Basic AWS:<token>, as docker checks a login: 200 when the registry accepts it. */
async function checkRegistry(registry: RegistryTarget, credentials: RegistryCredentials): Promise<number> {
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`).toString('base64')}`;
  const response = await fetch(`${registry.url}/v2/`, { headers: { authorization }, redirect: 'manual' });
  await response.body?.cancel();
  return response.status;
}

function onPath(name: string, path: string | undefined): boolean {
  return (path ?? '').split(delimiter).filter(Boolean).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const LOGIN_COMMANDS: readonly Command[] = [getLoginPassword, login];
