import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { buildCli } from '../../scripts/build-cli.js';
import { runProcess } from '../support/berth-bins.js';
import { isolatedEnv } from '../support/tools.js';
import { ociImage } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

/** The `berth` bundle, run as a user runs it, against a registry of its own. */

const registry = useRegistry();
const scratch = mkdtempSync(join(tmpdir(), 'berth-cli-'));

// The bundle under test is built from the current source into the file's own directory: bin/ belongs to the checkout.
const bundle = join(scratch, 'berth.mjs');
beforeAll(() => buildCli(bundle));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json(): any;
}

/** The environment without the developer's AWS and Berth settings, so that only what a test sets counts. */
/** The machine's settings left out: no AWS or Berth configuration, and an empty data directory with no local administrator key. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv(scratch, extra);
}

function adminEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { accessKeyId, secretAccessKey } = registry().adminKey;
  return cleanEnv({ AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, ...extra });
}

async function run(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> {
  const result = await runProcess(process.execPath, [bundle, ...args], env, stdin);
  return { ...result, json: () => JSON.parse(result.stdout) };
}

/** `berth ARGS --registry URL` with the registry's administrator key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. */
function berth(...args: string[]): Promise<Run> {
  return run([...args, '--registry', registry().url], adminEnv());
}

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

describe('berth repository', () => {
  it('creates a repository with tags and scanning, and prints it as JSON with --json', async () => {
    const created = await berth('repository', 'create', 'cli/app', '--tag', 'team=core', '--tag', 'cost=', '--scan-on-push', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe('');
    const { accountId, region, registryHost } = registry().identity;
    expect(created.json().repository).toMatchObject({
      repositoryName: 'cli/app',
      repositoryArn: `arn:aws:ecr:${region}:${accountId}:repository/cli/app`,
      registryId: accountId,
      repositoryUri: `${registryHost}/cli/app`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(created.json().$metadata).toBeUndefined();
    expect(created.json().repository.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const tags = await berth('tags', 'cli/app', '--json');
    expect(tags.json()).toEqual({ tags: [{ Key: 'team', Value: 'core' }, { Key: 'cost', Value: '' }] });
  });

  it('describes a repository as aligned fields', async () => {
    await berth('repository', 'create', 'cli/described', '--tag-mutability', 'immutable_with_exclusion', '--exclude', 'dev-*', '--exclude', 'latest');
    const described = await berth('repository', 'describe', 'cli/described');
    expect(described.code, described.stderr).toBe(0);
    const { accountId, registryHost } = registry().identity;
    expect(lines(described.stdout)).toEqual([
      'Name:            cli/described',
      `URI:             ${registryHost}/cli/described`,
      expect.stringMatching(/^ARN: {13}arn:aws:ecr:[a-z0-9-]+:\d{12}:repository\/cli\/described$/),
      `Registry ID:     ${accountId}`,
      expect.stringMatching(/^Created: {9}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      'Tag mutability:  IMMUTABLE_WITH_EXCLUSION',
      'Exclusions:      dev-*, latest',
      'Scan on push:    false',
      'Encryption:      AES256',
    ]);
    const json = await berth('repository', 'describe', 'cli/described', '--json');
    expect(json.json().repositories[0].imageTagMutabilityExclusionFilters).toEqual([
      { filterType: 'WILDCARD', filter: 'dev-*' }, { filterType: 'WILDCARD', filter: 'latest' },
    ]);
  });

  it('lists repositories as a table whose columns line up, or as JSON', async () => {
    await berth('repository', 'create', 'cli/list/a');
    await berth('repository', 'create', 'cli/list/bee', '--immutable');
    const listed = await berth('repository', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = lines(listed.stdout);
    expect(header).toMatch(/^NAME {2,}URI {2,}TAG MUTABILITY {2,}CREATED$/);
    const row = (name: string) => rows.find((line) => line.startsWith(`${name} `))!;
    expect(row('cli/list/a')).toMatch(/^cli\/list\/a +\S+\/cli\/list\/a +MUTABLE +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(row('cli/list/bee')).toMatch(/ IMMUTABLE +\d{4}-/);
    // Every column starts where its header does.
    for (const column of ['URI', 'TAG MUTABILITY', 'CREATED']) {
      const at = header!.indexOf(column);
      for (const line of rows) expect(line[at - 1], `${column} in ${line}`).toBe(' ');
    }

    const json = await berth('repository', 'list', '--json');
    const names = json.json().repositories.map((repository: { repositoryName: string }) => repository.repositoryName);
    expect(names).toEqual(expect.arrayContaining(['cli/list/a', 'cli/list/bee']));
  });

  it('deletes an empty repository, and one with images only with --force', async () => {
    await berth('repository', 'create', 'cli/full');
    await clientOf(registry()).pushImage('cli/full', 'v1', ociImage());
    const refused = await berth('repository', 'delete', 'cli/full');
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      expect.stringMatching(/^berth: RepositoryNotEmptyException: .*cli\/full.*$/),
      'hint: delete it with its images with: berth repository delete cli/full --force',
    ]);
    expect(refused.stdout).toBe('');

    const forced = await berth('repository', 'delete', 'cli/full', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('Deleted repository cli/full.\n');
    await berth('repository', 'create', 'cli/empty');
    const deleted = await berth('repository', 'delete', 'cli/empty', '--json');
    expect(deleted.json().repository.repositoryName).toBe('cli/empty');
    expect((await berth('repository', 'describe', 'cli/empty')).code).toBe(1);
  });

  it('says that repository names are lowercase when the registry refuses one with capitals', async () => {
    const refused = await berth('repository', 'create', 'Team/MyApp');
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([expect.stringMatching(/^berth: InvalidParameterException: /), 'hint: repository names are lowercase: team/myapp']);
  });

  it('reports a missing repository with the command that creates it', async () => {
    const missing = await berth('repository', 'describe', 'cli/nowhere');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(lines(missing.stderr)).toEqual([
      expect.stringMatching(/^berth: RepositoryNotFoundException: The repository with name 'cli\/nowhere' does not exist/),
      'hint: create it with: berth repository create cli/nowhere',
    ]);
  });

  it('reports the registry\'s refusals by their ECR error names', async () => {
    await berth('repository', 'create', 'cli/twice');
    const again = await berth('repository', 'create', 'cli/twice');
    expect(again.code).toBe(1);
    expect(lines(again.stderr)[0]).toMatch(/^berth: RepositoryAlreadyExistsException: /);
    const invalid = await berth('repository', 'create', 'ends-with-');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^berth: InvalidParameterException: .+\n$/);
  });
});

describe('berth tag, untag and tags', () => {
  it('adds, changes and removes resource tags', async () => {
    await berth('repository', 'create', 'cli/tagged', '--tag', 'team=core');
    const tagged = await berth('tag', 'cli/tagged', 'team=platform', 'env=prod', 'note=a=b');
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(tagged.stdout).toBe('Tagged repository cli/tagged with team=platform, env=prod, note=a=b.\n');

    const listed = await berth('tags', 'cli/tagged');
    expect(lines(listed.stdout)).toEqual(['KEY   VALUE', 'team  platform', 'env   prod', 'note  a=b']);

    const untagged = await berth('untag', 'cli/tagged', 'env', 'note');
    expect(untagged.code, untagged.stderr).toBe(0);
    expect(untagged.stdout).toBe('Removed tags env, note from repository cli/tagged.\n');
    expect((await berth('tags', 'cli/tagged', '--json')).json()).toEqual({ tags: [{ Key: 'team', Value: 'platform' }] });
    expect((await berth('untag', 'cli/tagged', 'team', '--json')).json()).toEqual({});
    expect(lines((await berth('tags', 'cli/tagged')).stdout)).toEqual(['KEY  VALUE']);
  });

  it('reports a missing repository', async () => {
    const missing = await berth('tag', 'cli/untaggable', 'a=b');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('berth: RepositoryNotFoundException: ');
    expect(missing.stderr).toContain('hint: create it with: berth repository create cli/untaggable');
  });
});

describe('berth mutability', () => {
  it('sets tag mutability, with exclusions for the *_WITH_EXCLUSION settings', async () => {
    await berth('repository', 'create', 'cli/mutable');
    const immutable = await berth('mutability', 'cli/mutable', 'IMMUTABLE');
    expect(immutable.code, immutable.stderr).toBe(0);
    expect(lines(immutable.stdout)).toEqual(['Repository:      cli/mutable', 'Tag mutability:  IMMUTABLE']);

    const excluded = await berth('mutability', 'cli/mutable', 'MUTABLE_WITH_EXCLUSION', '--exclude', 'release-*', '--json');
    expect(excluded.json()).toEqual({
      registryId: registry().identity.accountId,
      repositoryName: 'cli/mutable',
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'release-*' }],
    });
    const described = await berth('repository', 'describe', 'cli/mutable', '--json');
    expect(described.json().repositories[0].imageTagMutability).toBe('MUTABLE_WITH_EXCLUSION');
  });
});

describe('berth images', () => {
  it('lists, describes and deletes images', async () => {
    const image = ociImage();
    const client = clientOf(registry());
    await client.pushImage('cli/images', 'v1', image);
    const digest = image.manifest.digest;

    const listed = await berth('images', 'list', 'cli/images');
    expect(listed.code, listed.stderr).toBe(0);
    expect(lines(listed.stdout)).toEqual(['TAG  DIGEST', `v1   ${digest}`]);
    expect((await berth('images', 'list', 'cli/images', '--untagged', '--json')).json()).toEqual({ imageIds: [] });

    const described = await berth('images', 'describe', 'cli/images', '--tag', 'v1', '--json');
    expect(described.code, described.stderr).toBe(0);
    expect(described.json().imageDetails).toEqual([expect.objectContaining({
      repositoryName: 'cli/images', imageDigest: digest, imageTags: ['v1'], imageManifestMediaType: image.manifest.mediaType,
    })]);
    const table = await berth('images', 'describe', 'cli/images');
    expect(lines(table.stdout)[0]).toMatch(/^TAGS +DIGEST +SIZE +PUSHED +TYPE$/);
    expect(lines(table.stdout)[1]).toMatch(new RegExp(`^v1 +${digest} +[\\d.]+ k?B +\\d{4}-\\d\\d-\\d\\dT\\S+Z +application/vnd\\.oci\\.image\\.manifest\\.v1\\+json$`));

    const deleted = await berth('images', 'delete', 'cli/images', '--tag', 'v1', '--tag', 'v9');
    expect(deleted.code).toBe(1);
    expect(lines(deleted.stdout)).toEqual(['DELETED TAG  DIGEST', `v1           ${digest}`]);
    expect(lines(deleted.stderr)).toEqual([expect.stringMatching(/^berth: ImageNotFound: .* \(tag v9\)$/)]);
  });
});

describe('berth policy', () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'AllowPull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['ecr:BatchGetImage'] }],
  });

  it('sets a policy from a file or standard input, prints it, and deletes it', async () => {
    await berth('repository', 'create', 'cli/policy');
    const file = join(scratch, 'policy.json');
    writeFileSync(file, policy);
    const set = await berth('policy', 'set', 'cli/policy', file);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Set the policy of repository cli/policy.\n');

    const got = await berth('policy', 'get', 'cli/policy');
    expect(got.stdout).toBe(`${JSON.stringify(JSON.parse(policy), null, 2)}\n`);
    expect((await berth('policy', 'get', 'cli/policy', '--json')).json()).toEqual({
      registryId: registry().identity.accountId, repositoryName: 'cli/policy', policyText: policy,
    });

    const fromStdin = await run(['policy', 'set', 'cli/policy', '-', '--registry', registry().url, '--json'], adminEnv(), policy.replace('AllowPull', 'Pull'));
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.json().policyText).toContain('"Sid":"Pull"');

    const deleted = await berth('policy', 'delete', 'cli/policy');
    expect(deleted.stdout).toBe('Deleted the policy of repository cli/policy.\n');
    const gone = await berth('policy', 'get', 'cli/policy');
    expect(gone.code).toBe(1);
    expect(lines(gone.stderr)).toEqual([
      expect.stringMatching(/^berth: RepositoryPolicyNotFoundException: /),
      'hint: set one with: berth policy set cli/policy FILE',
    ]);
  });

  it('refuses a file that is not JSON before sending it', async () => {
    const file = join(scratch, 'not-json.txt');
    writeFileSync(file, 'Statement: none');
    const refused = await berth('policy', 'set', 'cli/policy-bad', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^berth: InvalidPolicy: ${file} is not a JSON document: .+\\n$`));

    const missing = await berth('policy', 'set', 'cli/policy-bad', join(scratch, 'missing.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`berth: ENOENT: cannot read ${join(scratch, 'missing.json')}\n`);
  });
});

describe('which registry, and with which key', () => {
  it('takes the registry from BERTH_REGISTRY when there is no --registry', async () => {
    await berth('repository', 'create', 'cli/env-registry');
    const listed = await run(['repository', 'describe', 'cli/env-registry'], adminEnv({ BERTH_REGISTRY: registry().url }));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('cli/env-registry');
  });

  it('signs with the profile AWS_PROFILE names in AWS_SHARED_CREDENTIALS_FILE', async () => {
    const credentials = join(scratch, 'credentials-file');
    const { accessKeyId, secretAccessKey } = registry().adminKey;
    writeFileSync(credentials, `[berth-local]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`);
    const listed = await run(['repository', 'list', '--registry', registry().url], cleanEnv({ AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'berth-local' }));
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('falls back to the local data directory\'s administrator key when no credentials are configured', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const { accessKeyId, secretAccessKey } = registry().adminKey;
    writeFileSync(join(dataDir, 'credentials'), `[berth-local]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`);
    const listed = await run(['repository', 'list', '--registry', registry().url], cleanEnv({ BERTH_DATA_DIR: dataDir }));
    expect(listed.code, listed.stderr).toBe(0);

    const without = await run(['repository', 'list', '--registry', registry().url], cleanEnv());
    expect(without.code).toBe(1);
    expect(lines(without.stderr)).toEqual([
      `berth: CredentialsProviderError: no AWS credentials are configured, and ${join(cleanEnv().BERTH_DATA_DIR!, 'credentials')} holds no berth-local key`,
      'hint: start the local registry with `npm start`, which writes that file, or set BERTH_DATA_DIR to its data directory',
    ]);
  });

  it('explains a key the registry does not know', async () => {
    const refused = await run(['repository', 'list', '--registry', registry().url], cleanEnv({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) }));
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      expect.stringMatching(/^berth: UnrecognizedClientException: /),
      expect.stringMatching(/^hint: a local registry accepts only its administrator's key: /),
    ]);
  });

  it('explains that a local registry takes signatures for us-east-1 only', async () => {
    const refused = await run(['repository', 'list', '--registry', registry().url], adminEnv({ AWS_REGION: 'eu-west-1' }));
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      expect.stringMatching(/^berth: InvalidSignatureException: .*region/),
      'hint: a local registry accepts signatures for us-east-1 only: set AWS_REGION=us-east-1',
    ]);
  });

  it('says when the server at the URL does not speak ECR\'s protocol', async () => {
    const server = createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>Not here</p>'));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const refused = await run(['repository', 'list', '--registry', url], adminEnv());
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        `berth: UnexpectedResponse: ${url} did not answer in ECR's protocol (HTTP 404); is it a Berth registry?`,
        'hint: check the registry URL (--registry or BERTH_REGISTRY)',
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });

  it('asks whether the local registry is running when nothing listens', async () => {
    const port = await freePort();
    const refused = await run(['repository', 'list'], adminEnv({ BERTH_REGISTRY: `127.0.0.1:${port}` }));
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      `berth: ECONNREFUSED: could not connect to http://127.0.0.1:${port}`,
      `hint: is the local registry running? start it with: PORT=${port} npm start; for one that runs on another port, add --registry http://127.0.0.1:PORT`,
    ]);
  });
});

describe('usage', () => {
  it('prints its version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await run(['--version'], cleanEnv());
    expect(result).toMatchObject({ code: 0, stdout: `berth ${version}\n`, stderr: '' });
  });

  it('prints help on --help, for berth, a group and a command', async () => {
    const top = await run(['--help'], cleanEnv());
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: berth <command> \[options\]\n/);
    for (const command of ['repository create NAME', 'tag NAME KEY=VALUE...', 'images delete NAME', 'mutability NAME', 'policy set NAME FILE|-']) {
      expect(top.stdout).toContain(`  berth ${command}`);
    }
    const group = await run(['repository', '--help'], cleanEnv());
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^Usage: berth repository <command> \[options\]\n/);
    expect(group.stdout).not.toContain('berth images');
    const command = await run(['repository', 'create', '-h'], cleanEnv());
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('  --tag-mutability X');
    expect(command.stderr).toBe('');
  });

  it('exits 2 with the usage on a command line that does not fit', async () => {
    const cases: [string[], string, RegExp][] = [
      [[], 'berth: missing command', /Usage: berth <command>/],
      [['repository'], 'berth: missing repository command', /Usage: berth repository <command>/],
      [['frobnicate'], 'berth: unknown command \'frobnicate\'', /Usage: berth <command>/],
      [['repository', 'create'], 'berth: missing NAME', /Usage: berth repository create NAME/],
      [['repository', 'create', 'a', 'b'], 'berth: unexpected argument \'b\'', /Usage: berth repository create NAME/],
      [['repository', 'list', '--bogus'], 'berth: unknown option \'--bogus\'', /Usage: berth repository list\nRun `berth repository list --help` for its options\./],
      [['repository', 'create', 'x', '--immutable', '--tag-mutability', 'MUTABLE'], 'berth: give --immutable or --tag-mutability, not both', /Usage: berth repository create/],
      [['mutability', 'x', 'sometimes'], 'berth: tag mutability is MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION; not \'sometimes\'', /Usage: berth mutability NAME/],
      [['mutability', 'x', 'IMMUTABLE_WITH_EXCLUSION'], 'berth: IMMUTABLE_WITH_EXCLUSION needs at least one --exclude PATTERN', /Usage: berth mutability/],
      [['tag', 'x', 'novalue'], 'berth: a tag is KEY=VALUE, not \'novalue\'', /Usage: berth tag NAME KEY=VALUE\.\.\./],
      [['images', 'delete', 'x'], 'berth: name the images to delete with --tag or --digest', /Usage: berth images delete/],
      [['repository', 'list', '--registry', 'ftp://example.com'], 'berth: the registry URL must be http:// or https://, not ftp://', /Usage: berth repository list/],
      [['push', 'oci:/nowhere', 'myapp:1', '--registry', 'http://127.0.0.1:5000'],
        'berth: the destination \'myapp:1\' names no registry, so docker would read it as Docker Hub\'s (docker.io/library/myapp); berth pushes to Berth registries only: name one, e.g. 127.0.0.1:5000/myapp:1',
        /Usage: berth push SOURCE DESTINATION/],
      [['copy', 'docker://ghcr.io/org/app:1', 'docker://team/app:1', '--registry', 'http://127.0.0.1:5000'],
        'berth: the destination \'docker://team/app:1\' names no registry, so docker would read it as Docker Hub\'s (docker.io/team/app); berth pushes to Berth registries only: name one, e.g. docker://127.0.0.1:5000/team/app:1',
        /Usage: berth copy SOURCE DESTINATION/],
      [['push', 'oci:/nowhere', '127.0.0.1:5000/Team/MyApp:1'], 'berth: repository names are lowercase: \'Team/MyApp\' in \'127.0.0.1:5000/Team/MyApp:1\' is not one; write \'team/myapp\'', /Usage: berth push/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args, cleanEnv())));
    for (const [i, [args, message, usage]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines(result.stderr)[0], args.join(' ')).toBe(message);
      expect(result.stderr, args.join(' ')).toMatch(usage);
    }
  });
});
