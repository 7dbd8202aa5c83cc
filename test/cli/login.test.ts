import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { awsCli } from '../support/aws-cli.js';
import { basic, clientEnv, freshHome, runBerthBundle, runHelper, runProcess, useBerthBins, type ProcessResult } from '../support/berth-bins.js';
import { errorCodes, RegistryClient } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { reportMissingTool } from '../support/tools.js';

/** berth get-login-password, berth login and berth access-key, from the bundle, against a registry of their own. */

const registry = useRegistry();
const bins = useBerthBins();

/** The environment of a user with the registry's administrator key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, in a fresh home. */
function adminEnv(home = freshHome(bins()), extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return clientEnv(bins(), home, { credentials: registry().adminKey, extra });
}

function berth(args: string[], env = adminEnv(), stdin = ''): Promise<ProcessResult> {
  return runBerthBundle(bins(), [...args, '--registry', registry().url], env, stdin);
}

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

const host = () => new URL(registry().url).host;
const v2 = (authorization: string) => new RegistryClient(registry().url, async () => authorization);
const mode = (path: string) => statSync(path).mode & 0o777;

/** What docker gets from docker-credential-berth for the registry, as a client of the registry's /v2/ API. */
async function helperClient(env: NodeJS.ProcessEnv): Promise<RegistryClient> {
  const got = await runHelper(bins(), 'get', env, host());
  expect(got.code, got.stderr).toBe(0);
  const { Username, Secret } = JSON.parse(got.stdout) as { Username: string; Secret: string };
  return v2(basic(Username, Secret));
}

describe('berth get-login-password', () => {
  it('prints only the password, which the registry takes as AWS:<password>', async () => {
    const result = await berth(['get-login-password']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\S+\n$/);
    const password = result.stdout.trim();
    expect((await v2(basic('AWS', password)).request('GET', '/v2/')).status).toBe(200);
    expect((await v2(basic('AWS', `${password}x`)).request('GET', '/v2/')).status).toBe(401);
  });

  it('prints a token that may only pull with --pull-only', async () => {
    await clientOf(registry()).pushImage('login/pull-only', 'v1', ociImage());
    const result = await berth(['get-login-password', '--pull-only']);
    expect(result.code, result.stderr).toBe(0);
    const client = v2(basic('AWS', result.stdout.trim()));
    expect((await client.request('GET', '/v2/login/pull-only/manifests/v1')).status).toBe(200);
    const push = await client.request('POST', '/v2/login/pull-only/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
  });

  it('prints ECR\'s authorizationData with --json', async () => {
    const result = await berth(['get-login-password', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const [data] = (JSON.parse(result.stdout) as { authorizationData: { authorizationToken: string; expiresAt: number; proxyEndpoint: string }[] }).authorizationData;
    expect(data!.proxyEndpoint).toBe(registry().url);
    // The token is AWS:<password> in base64, which the registry takes as Basic credentials until it expires.
    expect(Buffer.from(data!.authorizationToken, 'base64').toString()).toMatch(/^AWS:\S+$/);
    expect((await v2(`Basic ${data!.authorizationToken}`).request('GET', '/v2/')).status).toBe(200);
    expect(data!.expiresAt * 1000).toBeGreaterThan(Date.now());
  });

  it('explains missing credentials and keys the registry does not know', async () => {
    const none = await berth(['get-login-password'], clientEnv(bins(), freshHome(bins())));
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(lines(none.stderr)[0]).toMatch(/^berth: CredentialsProviderError: no AWS credentials are configured, and .*no-berth-data\/credentials holds no berth-local key$/);

    const unknown = await berth(['get-login-password'], clientEnv(bins(), freshHome(bins()), { credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) } }));
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)[0]).toMatch(/^berth: UnrecognizedClientException: /);
  });

  it('asks whether the local registry is running when nothing listens', async () => {
    const port = await freePort();
    const refused = await runBerthBundle(bins(), ['get-login-password', '--registry', `127.0.0.1:${port}`], adminEnv());
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      `berth: ECONNREFUSED: could not connect to http://127.0.0.1:${port}`,
      `hint: is the local registry running? start it with: PORT=${port} npm start; for one that runs on another port, add --registry http://127.0.0.1:PORT`,
    ]);
  });
});

describe('berth login', () => {
  it('adds a credHelpers entry to a new docker config, checks the token, and caches it for the helper', async () => {
    const home = freshHome(bins());
    const result = await berth(['login'], adminEnv(home));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const configFile = join(home, '.docker', 'config.json');
    expect(lines(result.stdout)).toEqual([
      `${configFile}: docker gets credentials for ${host()} from docker-credential-berth.`,
      expect.stringMatching(/^Login Succeeded: tokens are renewed as they expire; this one is valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$/),
    ]);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ credHelpers: { [host()]: 'berth' } });
    expect(mode(configFile)).toBe(0o600);

    // The token berth login fetched is cached for the helper, readable by its owner only.
    const cacheFile = join(home, '.cache', 'berth', 'credentials.json');
    expect(mode(cacheFile)).toBe(0o600);
    expect(mode(join(home, '.cache', 'berth'))).toBe(0o700);
    const listed = await runHelper(bins(), 'list', adminEnv(home));
    expect(JSON.parse(listed.stdout)).toEqual({ [registry().url]: 'AWS', [host()]: 'AWS' });
    // What docker then gets from the helper, the registry takes, for pushes too.
    const docker = await helperClient(adminEnv(home));
    const push = await docker.request('POST', '/v2/login/helper/blobs/uploads/');
    expect(push.status).toBe(202);
  });

  it('keeps what else the docker config holds, and its permissions; running again changes nothing', async () => {
    const home = freshHome(bins());
    const dockerDir = join(home, 'elsewhere');
    mkdirSync(dockerDir);
    const configFile = join(dockerDir, 'config.json');
    const existing = {
      auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } },
      credHelpers: { 'public.ecr.aws': 'ecr-login', [host()]: 'desktop' },
      psFormat: 'table {{.ID}}',
      experimental: 'enabled',
    };
    writeFileSync(configFile, JSON.stringify(existing), { mode: 0o640 });
    const env = adminEnv(home, { DOCKER_CONFIG: dockerDir });

    const result = await berth(['login', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      registry: registry().url, host: host(), dockerConfig: configFile, credHelper: 'berth', pullOnly: false, expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+Z$/),
    });
    expect(Date.parse((JSON.parse(result.stdout) as { expiresAt: string }).expiresAt)).toBeGreaterThan(Date.now());
    const written = JSON.parse(readFileSync(configFile, 'utf8')) as typeof existing;
    expect(written).toEqual({ ...existing, credHelpers: { 'public.ecr.aws': 'ecr-login', [host()]: 'berth' } });
    expect(mode(configFile)).toBe(0o640);

    const human = await berth(['login'], adminEnv(home, { DOCKER_CONFIG: dockerDir }));
    expect(human.code, human.stderr).toBe(0);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual(written);
  });

  it('says which helper it replaces', async () => {
    const home = freshHome(bins());
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ credHelpers: { [host()]: 'desktop' } }));
    const result = await berth(['login'], adminEnv(home));
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)[0]).toBe(`${join(home, '.docker', 'config.json')}: docker gets credentials for ${host()} from docker-credential-berth (instead of docker-credential-desktop).`);
  });

  it('records --pull-only for the helper, whose tokens then pull and do not push', async () => {
    await clientOf(registry()).pushImage('login/helper-pull-only', 'v1', ociImage());
    const home = freshHome(bins());
    const result = await berth(['login', '--pull-only'], adminEnv(home));
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)[1]).toMatch(/^Login Succeeded \(pull-only tokens\): /);
    const docker = await helperClient(adminEnv(home));
    expect((await docker.request('GET', '/v2/login/helper-pull-only/manifests/v1')).status).toBe(200);
    const push = await docker.request('POST', '/v2/login/helper-pull-only/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
  });

  it('refuses a docker config that is not JSON, and leaves it as it was', async () => {
    const home = freshHome(bins());
    mkdirSync(join(home, '.docker'));
    const configFile = join(home, '.docker', 'config.json');
    writeFileSync(configFile, '{"auths": {');
    const result = await berth(['login'], adminEnv(home));
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^berth: InvalidDockerConfig: ${configFile} is not a valid docker config: `)),
      'hint: fix the file (or move it away), then run berth login again',
    ]);
    expect(readFileSync(configFile, 'utf8')).toBe('{"auths": {');
  });

  it('says when docker could not run the helper because it is not on PATH, and changes nothing', async () => {
    const home = freshHome(bins());
    // A PATH of an empty directory: wherever `npm link` put the helper on this machine, it is not there.
    const emptyDir = join(home, 'empty-bin');
    mkdirSync(emptyDir);
    const env = clientEnv(bins(), home, { credentials: registry().adminKey, helperOnPath: false, extra: { PATH: emptyDir } });
    const result = await berth(['login'], env);
    expect(result.code).toBe(1);
    const configFile = join(home, '.docker', 'config.json');
    expect(lines(result.stderr)).toEqual([
      `berth: CredentialHelperNotFound: the registry accepts the token, but docker-credential-berth is not on PATH, so docker could not run it; ${configFile} is left as it was`,
      'hint: put it on PATH: `npm link` in Berth\'s checkout links both berth and docker-credential-berth',
    ]);
    expect(existsSync(configFile)).toBe(false);
    expect(existsSync(join(home, '.config', 'berth', 'logins.json'))).toBe(false);
  });

  it('changes nothing when the registry cannot be reached, and says how to name the one that runs', async () => {
    const home = freshHome(bins());
    mkdirSync(join(home, '.docker'));
    const configFile = join(home, '.docker', 'config.json');
    const existing = JSON.stringify({ credHelpers: { 'public.ecr.aws': 'ecr-login' } });
    writeFileSync(configFile, existing);
    const port = await freePort();
    const result = await runBerthBundle(bins(), ['login', '--registry', `http://127.0.0.1:${port}`], adminEnv(home));
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `berth: ECONNREFUSED: could not connect to http://127.0.0.1:${port}`,
      `hint: is the local registry running? start it with: PORT=${port} npm start; for one that runs on another port, add --registry http://127.0.0.1:PORT`,
    ]);
    expect(readFileSync(configFile, 'utf8')).toBe(existing);
    expect(existsSync(join(home, '.config', 'berth', 'logins.json'))).toBe(false);
  });

  it('explains missing credentials before docker would meet them', async () => {
    const result = await berth(['login'], clientEnv(bins(), freshHome(bins())));
    expect(result.code).toBe(1);
    expect(lines(result.stderr)[0]).toMatch(/^berth: CredentialsProviderError: /);
  });
});

describe('berth access-key', () => {
  reportMissingTool(awsCli);

  /** `aws ecr ARGS --endpoint-url <registry>` signing with `key`, in a fresh home. */
  function awsEcr(key: { accessKeyId: string; secretAccessKey: string }, ...args: string[]): Promise<ProcessResult> {
    const env = clientEnv(bins(), freshHome(bins()), { credentials: key, extra: { AWS_PAGER: '' } });
    return runProcess(awsCli.path!, ['ecr', ...args, '--endpoint-url', registry().url, '--output', 'json'], env);
  }

  it.skipIf(awsCli.path === undefined)('creates a key that aws ecr signs with, lists it without its secret, and deletes it', async () => {
    const created = await berth(['access-key', 'create', 'cli-robot']);
    expect(created.code, created.stderr).toBe(0);
    const [id, secret, principal, arn, createdAt, blank, note, describeHint, loginHint] = lines(created.stdout);
    const accessKeyId = /^Access key ID: +(BKIA[A-Z0-9]{16})$/.exec(id!)?.[1];
    const secretAccessKey = /^Secret access key: +(\S+)$/.exec(secret!)?.[1];
    expect(accessKeyId, created.stdout).toBeDefined();
    expect(secretAccessKey, created.stdout).toBeDefined();
    expect(principal).toMatch(/^Principal: +cli-robot$/);
    expect(arn).toMatch(new RegExp(`^Principal ARN: +arn:aws:iam::${registry().identity.accountId}:user/berth/cli-robot$`));
    expect(createdAt).toMatch(/^Created: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(blank).toBe('');
    expect(note).toMatch(/shown only this once/);
    const env = `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey}`;
    expect(describeHint).toBe(`  ${env} aws ecr describe-repositories --region us-east-1 --endpoint-url ${registry().url}`);
    expect(loginHint).toBe(`  ${env} aws ecr get-login-password --region us-east-1 --endpoint-url ${registry().url} | docker login -u AWS --password-stdin ${host()}`);
    const key = { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };

    const listed = await berth(['access-key', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = lines(listed.stdout);
    expect(header).toMatch(/^ACCESS KEY ID {2,}PRINCIPAL {2,}CREATED {2,}POLICY$/);
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${accessKeyId} +cli-robot +\\d{4}-\\S+Z +-$`)));
    const json = await berth(['access-key', 'list', '--json']);
    expect(json.stdout).not.toContain(secretAccessKey);
    expect((JSON.parse(json.stdout) as { accessKeys: unknown[] }).accessKeys).toContainEqual(expect.objectContaining({ accessKeyId, principalName: 'cli-robot' }));

    await berth(['repository', 'create', 'keys/cli']);
    const described = await awsEcr(key, 'describe-repositories');
    expect(described.code, described.stderr).toBe(0);
    expect((JSON.parse(described.stdout) as { repositories: { repositoryName: string }[] }).repositories.map((repository) => repository.repositoryName)).toContain('keys/cli');

    const deleted = await berth(['access-key', 'delete', accessKeyId!]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`Deleted access key ${accessKeyId}.\n`);
    expect((await berth(['access-key', 'list'])).stdout).not.toContain(accessKeyId);
    const refused = await awsEcr(key, 'describe-repositories');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('UnrecognizedClientException');

    const again = await berth(['access-key', 'delete', accessKeyId!]);
    expect(again.code).toBe(1);
    expect(lines(again.stderr)).toEqual([
      `berth: AccessKeyNotFoundException: no access key ${accessKeyId}`,
      'hint: list the keys with: berth access-key list',
    ]);
  });

  it('takes a policy from a file or standard input, and refuses one that is not JSON', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }] });
    const created = await berth(['access-key', 'create', 'reader', '--policy', '-', '--json'], adminEnv(), policy);
    expect(created.code, created.stderr).toBe(0);
    const { accessKey } = JSON.parse(created.stdout) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    // The registry knows the key, and holds it to its policy, which grants no CreateRepository.
    const limited = await runBerthBundle(bins(), ['repository', 'create', 'login/by-reader', '--registry', registry().url], clientEnv(bins(), freshHome(bins()), { credentials: accessKey }));
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/^berth: AccessDeniedException: /);
    const listed = await berth(['access-key', 'list']);
    expect(lines(listed.stdout)).toContainEqual(expect.stringMatching(new RegExp(`^${accessKey.accessKeyId} +reader +\\S+ +yes$`)));
    const json = JSON.parse((await berth(['access-key', 'list', '--json'])).stdout) as { accessKeys: { accessKeyId: string; policyText?: string }[] };
    expect(json.accessKeys.find((key) => key.accessKeyId === accessKey.accessKeyId)?.policyText).toBe(policy);

    const file = join(bins().scratch, 'not-a-policy.txt');
    writeFileSync(file, 'Allow: everything');
    const refused = await berth(['access-key', 'create', 'reader2', '--policy', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^berth: InvalidPolicy: ${file} is not a JSON document: `));
    const invalid = await berth(['access-key', 'create', 'has space']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^berth: ValidationException: /);
  });

  it('does not let a key Berth issued manage keys', async () => {
    const created = await berth(['access-key', 'create', 'limited', '--json']);
    const { accessKey } = JSON.parse(created.stdout) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const refused = await berth(['access-key', 'list'], clientEnv(bins(), freshHome(bins()), { credentials: accessKey }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: AccessDeniedException: .*only AWS identities and the local administrator manage access keys/);
  });

  it('prints usage for a missing key ID', async () => {
    const result = await runBerthBundle(bins(), ['access-key', 'delete'], adminEnv());
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe('berth: missing KEY_ID');
  });
});
