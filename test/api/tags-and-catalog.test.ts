import { beforeAll, describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { errorCodes, RegistryClient } from '../support/client.js';
import { ociImage, type Image } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();
/** A registry of its own for the catalog, so that the set of repositories is known. */
const catalogRegistry = useRegistry();
/** And one for listings filtered by policies. */
const filteredRegistry = useRegistry();
const client = () => clientOf(registry());

interface TagList {
  name: string;
  tags: string[];
}

/** Pushes one image, then points every tag at it with a PUT by digest. */
async function pushTags(repository: string, tags: string[]): Promise<Image> {
  const image = ociImage();
  await client().pushImage(repository, image.manifest.digest, image);
  for (const tag of tags) {
    const response = await client().pushManifest(repository, tag, image.manifest);
    expect(response.status).toBe(201);
  }
  return image;
}

async function listTags(path: string): Promise<{ response: Response; body: TagList }> {
  const response = await client().request('GET', path);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { response, body: (await response.json()) as TagList };
}

/** The target of a `Link: <…>; rel="next"` header. */
function nextPath(response: Response): string {
  const match = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '');
  expect(match, `Link header ${response.headers.get('link')}`).not.toBeNull();
  return match![1]!;
}

describe('tags list', () => {
  beforeAll(async () => {
    // Pushed out of order; ASCII order puts digits and upper case first and v1.10 before v1.9.
    await pushTags('tags/app', ['v1.9', 'latest', 'V2', 'v1.10', '1.0', '_build']);
    await pushTags('tags/paged', ['e', 'c', 'a', 'd', 'b']);
    await pushTags('tags/even', ['d', 'b', 'c', 'a']);
  });

  it('lists every tag in lexical order with the repository name', async () => {
    const { response, body } = await listTags('/v2/tags/app/tags/list');
    expect(body).toEqual({ name: 'tags/app', tags: ['1.0', 'V2', '_build', 'latest', 'v1.10', 'v1.9'] });
    expect(response.headers.get('link')).toBeNull();
  });

  it('pages with n and last, linking each page to the next with the exact Link header', async () => {
    const first = await listTags('/v2/tags/paged/tags/list?n=2');
    expect(first.body).toEqual({ name: 'tags/paged', tags: ['a', 'b'] });
    expect(first.response.headers.get('link')).toBe('</v2/tags/paged/tags/list?n=2&last=b>; rel="next"');

    const second = await listTags(nextPath(first.response));
    expect(second.body.tags).toEqual(['c', 'd']);
    expect(second.response.headers.get('link')).toBe('</v2/tags/paged/tags/list?n=2&last=d>; rel="next"');

    const third = await listTags(nextPath(second.response));
    expect(third.body.tags).toEqual(['e']);
    expect(third.response.headers.get('link')).toBeNull();
  });

  it('sends no Link when the last page is exactly full', async () => {
    const first = await listTags('/v2/tags/even/tags/list?n=2');
    expect(first.body.tags).toEqual(['a', 'b']);
    const second = await listTags(nextPath(first.response));
    expect(second.body.tags).toEqual(['c', 'd']);
    expect(second.response.headers.get('link')).toBeNull();
  });

  it('lists the tags after last, which need not be a tag itself', async () => {
    expect((await listTags('/v2/tags/paged/tags/list?last=c')).body.tags).toEqual(['d', 'e']);
    expect((await listTags('/v2/tags/paged/tags/list?last=bb&n=1')).body.tags).toEqual(['c']);
    expect((await listTags('/v2/tags/paged/tags/list?last=e')).body.tags).toEqual([]);
  });

  it('returns everything without a Link when n exceeds the number of tags', async () => {
    const { response, body } = await listTags('/v2/tags/paged/tags/list?n=100');
    expect(body.tags).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(response.headers.get('link')).toBeNull();
  });

  it('returns an empty list for n=0', async () => {
    const { response, body } = await listTags('/v2/tags/paged/tags/list?n=0');
    expect(body).toEqual({ name: 'tags/paged', tags: [] });
    expect(response.headers.get('link')).toBeNull();
  });

  it('answers PAGINATION_NUMBER_INVALID for an n that is not a non-negative integer', async () => {
    for (const n of ['-1', 'abc', '1.5', '2x']) {
      const response = await client().request('GET', `/v2/tags/paged/tags/list?n=${n}`);
      expect(response.status).toBe(400);
      expect(await errorCodes(response)).toEqual(['PAGINATION_NUMBER_INVALID']);
    }
  });

  it('reads an empty last as none, and refuses a last longer than any tag with TAG_INVALID', async () => {
    expect((await listTags('/v2/tags/paged/tags/list?last=')).body.tags).toEqual(['a', 'b', 'c', 'd', 'e']);
    const long = await client().request('GET', `/v2/tags/paged/tags/list?last=${'v'.repeat(2000)}`);
    expect(long.status).toBe(400);
    expect(await errorCodes(long)).toEqual(['TAG_INVALID']);
  });

  it('answers NAME_UNKNOWN for a repository that does not exist', async () => {
    const response = await client().request('GET', '/v2/tags/nowhere/tags/list');
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['NAME_UNKNOWN']);
  });

  it('lists no tags for a repository holding only untagged manifests', async () => {
    const image = ociImage();
    await client().pushImage('tags/untagged', image.manifest.digest, image);
    expect((await listTags('/v2/tags/untagged/tags/list')).body).toEqual({ name: 'tags/untagged', tags: [] });
  });

  it('drops deleted tags from the list', async () => {
    await pushTags('tags/deleted', ['keep', 'drop']);
    expect((await client().request('DELETE', '/v2/tags/deleted/manifests/drop')).status).toBe(202);
    expect((await listTags('/v2/tags/deleted/tags/list')).body.tags).toEqual(['keep']);
  });

  it('pages the tags of nested names and names with a tags or manifests component', async () => {
    for (const name of ['org/team/app', 'org/tags/list', 'org/manifests/app']) {
      await pushTags(name, ['b', 'a', 'c']);
      const first = await listTags(`/v2/${name}/tags/list?n=2`);
      expect(first.body).toEqual({ name, tags: ['a', 'b'] });
      expect(first.response.headers.get('link')).toBe(`</v2/${name}/tags/list?n=2&last=b>; rel="next"`);
      const second = await listTags(nextPath(first.response));
      expect(second.body).toEqual({ name, tags: ['c'] });
    }
  });
});

describe('catalog', () => {
  const catalog = () => clientOf(catalogRegistry());
  // In byte order '-' (0x2d) sorts before '/' (0x2f), so a-b comes before a/b.
  const repositories = ['c', 'b/app', 'a/b', 'a', 'a-b'];
  const sorted = ['a', 'a-b', 'a/b', 'b/app', 'c'];

  async function listCatalog(path: string): Promise<{ response: Response; repositories: string[] }> {
    const response = await catalog().request('GET', path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return { response, repositories: ((await response.json()) as { repositories: string[] }).repositories };
  }

  beforeAll(async () => {
    for (const name of repositories) await catalog().pushImage(name, 'latest', ociImage());
  });

  it('lists every repository in lexical order', async () => {
    const { response, repositories: names } = await listCatalog('/v2/_catalog');
    expect(names).toEqual(sorted);
    expect(response.headers.get('link')).toBeNull();
  });

  it('pages with n and last, linking each page to the next', async () => {
    const first = await listCatalog('/v2/_catalog?n=2');
    expect(first.repositories).toEqual(['a', 'a-b']);
    expect(first.response.headers.get('link')).toBe('</v2/_catalog?n=2&last=a-b>; rel="next"');

    const second = await listCatalog(nextPath(first.response));
    expect(second.repositories).toEqual(['a/b', 'b/app']);
    const link = new URL(nextPath(second.response), 'http://registry');
    expect(link.pathname).toBe('/v2/_catalog');
    expect(link.searchParams.get('n')).toBe('2');
    expect(link.searchParams.get('last')).toBe('b/app');

    const third = await listCatalog(nextPath(second.response));
    expect(third.repositories).toEqual(['c']);
    expect(third.response.headers.get('link')).toBeNull();
  });

  it('lists the repositories after last, unencoded or percent-encoded', async () => {
    expect((await listCatalog('/v2/_catalog?last=a/b')).repositories).toEqual(['b/app', 'c']);
    expect((await listCatalog('/v2/_catalog?last=a%2Fb&n=1')).repositories).toEqual(['b/app']);
    expect((await listCatalog('/v2/_catalog?last=c')).repositories).toEqual([]);
  });

  it('returns an empty list for n=0 and refuses an invalid n', async () => {
    const empty = await listCatalog('/v2/_catalog?n=0');
    expect(empty.repositories).toEqual([]);
    expect(empty.response.headers.get('link')).toBeNull();
    const invalid = await catalog().request('GET', '/v2/_catalog?n=-2');
    expect(invalid.status).toBe(400);
    expect(await errorCodes(invalid)).toEqual(['PAGINATION_NUMBER_INVALID']);
  });

  it('reads an empty last as none, and refuses a last longer than any repository name with NAME_INVALID', async () => {
    expect((await listCatalog('/v2/_catalog?last=')).repositories).toEqual(sorted);
    expect((await listCatalog('/v2/_catalog?last=&n=1')).repositories).toEqual(['a']);
    expect((await listCatalog(`/v2/_catalog?last=${'a'.repeat(256)}`)).repositories).toEqual(['b/app', 'c']);
    for (const last of ['a'.repeat(257), 'é'.repeat(2000)]) {
      const long = await catalog().request('GET', `/v2/_catalog?last=${encodeURIComponent(last)}`);
      expect(long.status).toBe(400);
      expect(long.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await errorCodes(long)).toEqual(['NAME_INVALID']);
    }
  });
});

describe('catalog of a caller with less than the whole registry', () => {
  const admin = () => clientOf(filteredRegistry());
  const manage = async (target: string, body: unknown, credentials?: { accessKeyId: string; secretAccessKey: string }) => {
    const response = await send(await signedManagementRequest(filteredRegistry(), target, body, credentials === undefined ? {} : { credentials }));
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json() as Promise<Record<string, any>>;
  };
  const arn = (name: string) => `arn:aws:ecr:${filteredRegistry().identity.region}:${filteredRegistry().identity.accountId}:repository/${name}`;
  let scoped: RegistryClient;

  async function names(client: RegistryClient, path: string): Promise<{ repositories: string[]; link: string | null }> {
    const response = await client.request('GET', path);
    expect(response.status).toBe(200);
    return { repositories: ((await response.json()) as { repositories: string[] }).repositories, link: response.headers.get('link') };
  }

  beforeAll(async () => {
    for (const repositoryName of ['a/first', 'prod/app', 'team/a', 'team/b', 'team/c', 'team2/x', 'zz/hidden']) {
      await manage(`${ECR_TARGET_PREFIX}CreateRepository`, { repositoryName });
    }
    const policy = { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: arn('team/*') }] };
    const { accessKey } = await manage(`${BERTH_TARGET_PREFIX}CreateAccessKey`, { principalName: 'team-bot', policyText: JSON.stringify(policy) });
    const { authorizationData } = await manage(`${ECR_TARGET_PREFIX}GetAuthorizationToken`, {}, accessKey);
    scoped = new RegistryClient(filteredRegistry().url, async () => `Basic ${authorizationData[0].authorizationToken}`);
    await manage(`${ECR_TARGET_PREFIX}SetRepositoryPolicy`, {
      repositoryName: 'zz/hidden',
      policyText: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'ecr:DescribeRepositories' }] }),
    });
  });

  it('lists only the repositories an access key\'s policy lets it describe', async () => {
    expect(await names(scoped, '/v2/_catalog')).toEqual({ repositories: ['team/a', 'team/b', 'team/c'], link: null });
  });

  it('counts only visible names in a page, and continues after the last one', async () => {
    const first = await names(scoped, '/v2/_catalog?n=2');
    expect(first).toEqual({ repositories: ['team/a', 'team/b'], link: '</v2/_catalog?n=2&last=team%2Fb>; rel="next"' });
    expect(await names(scoped, '/v2/_catalog?n=2&last=team%2Fb')).toEqual({ repositories: ['team/c'], link: null });
    expect(await names(scoped, '/v2/_catalog?n=3')).toEqual({ repositories: ['team/a', 'team/b', 'team/c'], link: '</v2/_catalog?n=3&last=team%2Fc>; rel="next"' });
    expect(await names(scoped, '/v2/_catalog?n=3&last=team%2Fc')).toEqual({ repositories: [], link: null });
  });

  it('hides a repository whose policy denies DescribeRepositories, even from the registry\'s account', async () => {
    expect((await names(admin(), '/v2/_catalog')).repositories).toEqual(['a/first', 'prod/app', 'team/a', 'team/b', 'team/c', 'team2/x']);
    expect(await names(admin(), '/v2/_catalog?n=1&last=team2%2Fx')).toEqual({ repositories: [], link: null });
  });
});
