import { describe, expect, it } from 'vitest';
import type { Ecr } from '../../cli/command.js';
import { runBerth } from '../../cli/run.js';

/**
 * Commands run in-process against a fake ECR client: the requests they make, in
 * ECR's API shapes, and what they print, whichever actions the registry serves yet.
 */

interface Call {
  command: string;
  input: Record<string, unknown>;
}

type Responder = (call: Call) => Record<string, unknown>;

async function berth(args: string[], respond: Responder, stdin = '') {
  const calls: Call[] = [];
  let stdout = '';
  let stderr = '';
  const fake = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const call = { command: command.constructor.name.replace(/Command$/, ''), input: command.input };
      calls.push(call);
      return { $metadata: { httpStatusCode: 200 }, ...respond(call) };
    },
  } as unknown as Ecr;
  const code = await runBerth(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => stdin,
    env: {},
    ecr: () => fake,
  });
  return { code, stdout, stderr, calls };
}

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

describe('berth images, against ECR\'s API shapes', () => {
  it('lists every page of ListImages, filtered by tag status', async () => {
    const { code, stdout, calls } = await berth(['images', 'list', 'team/app', '--tagged'], ({ input }) => (input.nextToken === undefined
      ? { imageIds: [{ imageTag: 'v1', imageDigest: DIGEST_A }], nextToken: 'page-2' }
      : { imageIds: [{ imageTag: 'latest', imageDigest: DIGEST_B }] }));
    expect(code).toBe(0);
    expect(calls).toEqual([
      { command: 'ListImages', input: { repositoryName: 'team/app', filter: { tagStatus: 'TAGGED' } } },
      { command: 'ListImages', input: { repositoryName: 'team/app', filter: { tagStatus: 'TAGGED' }, nextToken: 'page-2' } },
    ]);
    expect(stdout).toBe(`TAG     DIGEST\nv1      ${DIGEST_A}\nlatest  ${DIGEST_B}\n`);
  });

  it('describes the images named by tag and digest', async () => {
    const { code, stdout, calls } = await berth(['images', 'describe', 'team/app', '--tag', 'v1', '--digest', DIGEST_B], () => ({
      imageDetails: [
        { imageDigest: DIGEST_A, imageTags: ['v1', 'stable'], imageSizeInBytes: 2_540_000, imagePushedAt: new Date('2025-03-01T10:00:00Z'), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', artifactMediaType: 'application/vnd.oci.image.config.v1+json' },
        { imageDigest: DIGEST_B, imageSizeInBytes: 900, imagePushedAt: new Date('2025-03-02T10:00:00Z'), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', artifactMediaType: 'application/vnd.example.sbom' },
      ],
    }));
    expect(code).toBe(0);
    expect(calls).toEqual([{ command: 'DescribeImages', input: { repositoryName: 'team/app', imageIds: [{ imageTag: 'v1' }, { imageDigest: DIGEST_B }] } }]);
    expect(stdout.split('\n')).toEqual([
      'TAGS       DIGEST                                                                   SIZE    PUSHED                TYPE',
      `v1,stable  ${DIGEST_A}  2.5 MB  2025-03-01T10:00:00Z  application/vnd.oci.image.manifest.v1+json`,
      `-          ${DIGEST_B}  900 B   2025-03-02T10:00:00Z  application/vnd.example.sbom`,
      '',
    ]);
  });

  it('deletes images in one BatchDeleteImage, and reports each failure on stderr with exit code 1', async () => {
    const { code, stdout, stderr, calls } = await berth(['images', 'delete', 'team/app', '--digest', DIGEST_A, '--tag', 'gone', '--json'], () => ({
      imageIds: [{ imageDigest: DIGEST_A, imageTag: 'v1' }],
      failures: [{ imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    }));
    expect(code).toBe(1);
    expect(calls).toEqual([{ command: 'BatchDeleteImage', input: { repositoryName: 'team/app', imageIds: [{ imageTag: 'gone' }, { imageDigest: DIGEST_A }] } }]);
    expect(JSON.parse(stdout)).toEqual({
      imageIds: [{ imageDigest: DIGEST_A, imageTag: 'v1' }],
      failures: [{ imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    });
    expect(stderr).toBe('berth: ImageNotFound: Requested image not found (tag gone)\n');
  });

  it('refuses --tagged with --untagged before sending anything', async () => {
    const { code, stderr, calls } = await berth(['images', 'list', 'team/app', '--tagged', '--untagged'], () => ({}));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^berth: give --tagged or --untagged, not both\n\nUsage: berth images list NAME/);
    expect(calls).toEqual([]);
  });
});

describe('berth policy, against ECR\'s API shapes', () => {
  const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}';

  it('sends the policy text from standard input as it is, with force when asked', async () => {
    const { code, stdout, calls } = await berth(['policy', 'set', 'team/app', '-', '--force'], ({ input }) => ({ registryId: '000000000000', ...input }), policy);
    expect(code).toBe(0);
    expect(calls).toEqual([{ command: 'SetRepositoryPolicy', input: { repositoryName: 'team/app', policyText: policy, force: true } }]);
    expect(stdout).toBe('Set the policy of repository team/app.\n');
  });

  it('prints the policy indented, or the response with --json', async () => {
    const response = () => ({ registryId: '000000000000', repositoryName: 'team/app', policyText: policy });
    const text = await berth(['policy', 'get', 'team/app'], response);
    expect(text.calls).toEqual([{ command: 'GetRepositoryPolicy', input: { repositoryName: 'team/app' } }]);
    expect(text.stdout).toBe(`${JSON.stringify(JSON.parse(policy), null, 2)}\n`);
    expect(JSON.parse((await berth(['policy', 'get', 'team/app', '--json'], response)).stdout)).toEqual(response());
    const deleted = await berth(['policy', 'delete', 'team/app'], response);
    expect(deleted.calls).toEqual([{ command: 'DeleteRepositoryPolicy', input: { repositoryName: 'team/app' } }]);
  });
});

describe('berth repository and mutability, against ECR\'s API shapes', () => {
  it('creates with every setting the command takes', async () => {
    const { calls } = await berth(['repository', 'create', 'team/app', '--tag-mutability', 'mutable_with_exclusion', '--exclude', 'dev-*',
      '--tag', 'team=core', '--tag', 'empty=', '--scan-on-push'], () => ({ repository: { repositoryName: 'team/app' } }));
    expect(calls).toEqual([{
      command: 'CreateRepository',
      input: {
        repositoryName: 'team/app',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
        tags: [{ Key: 'team', Value: 'core' }, { Key: 'empty', Value: '' }],
        imageScanningConfiguration: { scanOnPush: true },
      },
    }]);
  });

  it('lists every page of DescribeRepositories', async () => {
    const { stdout, calls } = await berth(['repository', 'list', '--json'], ({ input }) => (input.nextToken === undefined
      ? { repositories: [{ repositoryName: 'a' }], nextToken: 't' }
      : { repositories: [{ repositoryName: 'b' }] }));
    expect(calls.map((call) => call.input)).toEqual([{}, { nextToken: 't' }]);
    expect(JSON.parse(stdout)).toEqual({ repositories: [{ repositoryName: 'a' }, { repositoryName: 'b' }] });
  });

  it('takes options and global options anywhere after the command\'s words', async () => {
    const { code, calls } = await berth(['--json', 'mutability', '--exclude', 'v*', 'team/app', '--registry', 'http://localhost:1', 'immutable_with_exclusion'], () => ({}));
    expect(code).toBe(0);
    expect(calls).toEqual([{
      command: 'PutImageTagMutability',
      input: { repositoryName: 'team/app', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }] },
    }]);
  });
});
