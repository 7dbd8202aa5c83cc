import { CreateRepositoryCommand, DescribeRepositoriesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { useInProcessBerth } from '../support/in-process-berth.js';
import { OCI_MANIFEST } from '../support/manifests.js';
import { annotatedManifest, blob, descriptor, ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/**
 * Commands run in-process against the local registry, signed with its
 * administrator's key from the environment as a user's would be: what they
 * print, and what the registry holds afterwards.
 */

const registry = useRegistry();
const client = () => clientOf(registry());
const ecr = () => ecrClient(registry());
const run = useInProcessBerth(registry);
/** A command that must refuse before sending anything (`sends` false) gets a client that fails the test if used. */
const berth = (args: string[], stdin = '', sends = true) =>
  run(args, { stdin, ...(sends ? {} : { ecr: () => ({ send: () => Promise.reject(new Error('the command sent a request')) }) }) });

const DATE = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;

describe('berth images', () => {
  it('lists every page of a repository\'s tagged images, leaving out the untagged', async () => {
    const image = ociImage();
    await client().pushBlobs('cmd/paged', image);
    // One more than the 100 images of a page.
    const tags = Array.from({ length: 101 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    for (const tag of tags) {
      expect((await client().pushManifest('cmd/paged', tag, annotatedManifest(image.config, image.layers, { tag }))).status).toBe(201);
    }
    const untagged = annotatedManifest(image.config, image.layers, { tag: 'none' });
    expect((await client().pushManifest('cmd/paged', untagged.digest, untagged)).status).toBe(201);

    const { code, stdout, stderr } = await berth(['images', 'list', 'cmd/paged', '--tagged']);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TAG\s+DIGEST$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0]).sort()).toEqual(tags);
    expect(stdout).not.toContain(untagged.digest);
  });

  it('describes the images named by tag and digest, with an artifact\'s type', async () => {
    const image = ociImage({ layerSizes: [2000] });
    await client().pushImage('cmd/describe', 'v1', image);
    expect((await client().pushManifest('cmd/describe', 'stable', image.manifest)).status).toBe(201);
    // An artifact typed by its config's media type, which ECR reports as its artifactMediaType.
    const config = blob('{"sbom":true}', 'application/vnd.example.sbom');
    await client().pushBlob('cmd/describe', config);
    const sbom = blob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: [], subject: descriptor(image.manifest) }), OCI_MANIFEST);
    expect((await client().pushManifest('cmd/describe', sbom.digest, sbom)).status).toBe(201);

    const { code, stdout, stderr } = await berth(['images', 'describe', 'cmd/describe', '--tag', 'v1', '--digest', sbom.digest]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TAGS\s+DIGEST\s+SIZE\s+PUSHED\s+TYPE$/);
    const line = (digest: string) => lines.find((candidate) => candidate.includes(digest));
    expect(line(sbom.digest)).toMatch(new RegExp(`^-\\s+${sbom.digest}\\s+\\d+ B\\s+${DATE}\\s+application/vnd\\.example\\.sbom$`));
    expect(line(image.manifest.digest)).toMatch(new RegExp(`^(stable,v1|v1,stable)\\s+${image.manifest.digest}\\s+[\\d.]+ k?B\\s+${DATE}\\s+application/vnd\\.oci\\.image\\.manifest\\.v1\\+json$`));
  });

  it('deletes images in one request, and reports each failure on stderr with exit code 1', async () => {
    const image = ociImage();
    await client().pushImage('cmd/delete', 'v1', image);
    const { code, stdout, stderr } = await berth(['images', 'delete', 'cmd/delete', '--digest', image.manifest.digest, '--tag', 'gone', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      imageIds: [{ imageDigest: image.manifest.digest, imageTag: 'v1' }],
      failures: [{ imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: expect.any(String) }],
    });
    expect(stderr).toMatch(/^berth: ImageNotFound: .+ \(tag gone\)\n$/);
    expect((await client().request('HEAD', `/v2/cmd/delete/manifests/${image.manifest.digest}`)).status).toBe(404);
  });

  it('refuses --tagged with --untagged before sending anything', async () => {
    const { code, stderr } = await berth(['images', 'list', 'cmd/app', '--tagged', '--untagged'], '', false);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^berth: give --tagged or --untagged, not both\n\nUsage: berth images list NAME/);
  });
});

describe('berth policy', () => {
  const policy = '{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}';

  it('sets the policy from standard input as it is, prints it indented or as the response with --json, and deletes it', async () => {
    await client().pushImage('cmd/policy', 'v1', ociImage());
    const set = await berth(['policy', 'set', 'cmd/policy', '-', '--force'], policy);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Set the policy of repository cmd/policy.\n');

    const text = await berth(['policy', 'get', 'cmd/policy']);
    expect(text.stdout).toBe(`${JSON.stringify(JSON.parse(policy), null, 2)}\n`);
    expect(JSON.parse((await berth(['policy', 'get', 'cmd/policy', '--json'])).stdout)).toEqual({
      registryId: registry().identity.accountId, repositoryName: 'cmd/policy', policyText: policy,
    });

    const deleted = await berth(['policy', 'delete', 'cmd/policy']);
    expect(deleted.stdout).toBe('Deleted the policy of repository cmd/policy.\n');
    const gone = await berth(['policy', 'get', 'cmd/policy']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^berth: RepositoryPolicyNotFoundException: /);
  });
});

describe('berth repository and mutability', () => {
  it('creates with every setting the command takes', async () => {
    const created = await berth(['repository', 'create', 'cmd/created', '--tag-mutability', 'mutable_with_exclusion', '--exclude', 'dev-*',
      '--tag', 'team=core', '--tag', 'empty=', '--scan-on-push']);
    expect(created.code, created.stderr).toBe(0);
    const [repository] = (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['cmd/created'] }))).repositories!;
    expect(repository).toMatchObject({
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
      imageScanningConfiguration: { scanOnPush: true },
    });
    const { tags } = await ecr().send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }));
    expect(tags).toEqual([{ Key: 'team', Value: 'core' }, { Key: 'empty', Value: '' }]);
  });

  it('lists every page of repositories', async () => {
    // One more than the 100 repositories of a page.
    const names = Array.from({ length: 101 }, (_, i) => `cmd/listed/${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((repositoryName) => ecr().send(new CreateRepositoryCommand({ repositoryName }))));
    }
    const { code, stdout, stderr } = await berth(['repository', 'list', '--json']);
    expect(code, stderr).toBe(0);
    const listed = (JSON.parse(stdout) as { repositories: { repositoryName: string }[] }).repositories.map((repository) => repository.repositoryName);
    expect(listed).toEqual(expect.arrayContaining(names));
  });

  it('takes options and global options anywhere after the command\'s words', async () => {
    await client().pushImage('cmd/mutability', 'v1', ociImage());
    const { code, stderr } = await berth(['--json', 'mutability', '--exclude', 'v*', 'cmd/mutability', '--registry', registry().url, 'immutable_with_exclusion']);
    expect(code, stderr).toBe(0);
    const [repository] = (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['cmd/mutability'] }))).repositories!;
    expect(repository).toMatchObject({
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }],
    });
  });
});
