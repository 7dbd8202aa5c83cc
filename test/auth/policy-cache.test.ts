import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryTokens } from '../../lambdas/auth/registry-tokens.js';
import { AccessControl } from '../../lambdas/registry/access-control.js';
import { RegistryError } from '../../lambdas/registry/errors.js';
import type { MetadataStore } from '../../lambdas/store/metadata-store.js';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { freshStores } from '../support/backends.js';
import { RegistryClient } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

const BOUND = 3;
const CACHE_SECONDS = 60;
const PULL = { action: 'ecr:BatchGetImage' };
const ANONYMOUS = { caller: { kind: 'anonymous' as const } };
const PUBLIC_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });

/** The real DynamoDB store, counting the repository reads access control makes. */
function counting(store: MetadataStore, reads: string[]): MetadataStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'getRepository') return typeof value === 'function' ? value.bind(target) : value;
      return (name: string) => {
        reads.push(name);
        return target.getRepository(name);
      };
    },
  });
}

async function setup() {
  const { store, accessKeys } = await freshStores();
  const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
  const now = () => new Date(clock.ms);
  const reads: string[] = [];
  const signingKey = { kid: 'k', secret: randomBytes(32) };
  const access = new AccessControl({
    tokens: new RegistryTokens(async () => ({ current: signingKey, previous: [] }), 'registry', now),
    accountId: '000000000000', region: 'us-east-1', realm: 'http://registry',
    policyCacheSeconds: CACHE_SECONDS, accessKeyCacheSeconds: 0, policyCacheEntries: BOUND,
  }, { repositories: counting(store, reads), accessKeys }, now);
  await store.createRepository(newRepository('public/app', now(), { policyText: PUBLIC_POLICY }));
  return { store, access, reads, clock };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('the repository-policy cache', () => {
  it('holds no more policies than its bound, however many names anonymous callers try, and keeps applying a policy in use', async () => {
    const { store, access, reads } = await setup();
    await access.authorize(ANONYMOUS, PULL, 'public/app');
    // The cached policy, not the stored one, decides until it expires.
    await store.updateRepository('public/app', ({ policyText: _removed, ...record }) => record);

    const names = Array.from({ length: 20 }, (_, i) => `probe/name-${i}`);
    for (const name of names) {
      expect(await refusal(access.authorize(ANONYMOUS, PULL, name))).toMatchObject({ kind: 'UNAUTHORIZED' });
      await access.authorize(ANONYMOUS, PULL, 'public/app');
    }
    expect(reads.filter((name) => name === 'public/app')).toHaveLength(1);

    // Asked again, the names the cache could not keep are read again: all but at most BOUND of them.
    reads.length = 0;
    for (const name of names) await refusal(access.authorize(ANONYMOUS, PULL, name));
    expect(reads.length).toBeGreaterThanOrEqual(names.length - BOUND);
  });

  it('reads a policy again once it has been cached for the configured time', async () => {
    const { store, access, clock } = await setup();
    await access.authorize(ANONYMOUS, PULL, 'public/app');
    await store.updateRepository('public/app', ({ policyText: _removed, ...record }) => record);
    clock.ms += (CACHE_SECONDS - 1) * 1000;
    await access.authorize(ANONYMOUS, PULL, 'public/app');
    clock.ms += 1000;
    const refused = await refusal(access.authorize(ANONYMOUS, PULL, 'public/app'));
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ kind: 'UNAUTHORIZED' });
  });
});

describe('the repository-policy cache as deployed', () => {
  // The default of BERTH_POLICY_CACHE_SECONDS on AWS, on a clock the test moves.
  const DEPLOYED_SECONDS = 10;
  const clock = { ms: Date.now() };
  const registry = useRegistry({}, { policyCacheSeconds: DEPLOYED_SECONDS, now: () => new Date(clock.ms) });

  async function setPolicy(statements: unknown[] | undefined): Promise<void> {
    const request = statements === undefined
      ? signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}DeleteRepositoryPolicy`, { repositoryName: 'deployed/app' })
      : signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}SetRepositoryPolicy`, {
        repositoryName: 'deployed/app', policyText: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      });
    const response = await send(await request);
    expect(response.status, await response.clone().text()).toBe(200);
  }

  it('applies a changed policy within its bound, both ways: a pull it allows, then refuses', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('deployed/app', 'v1', image);
    const anonymous = new RegistryClient(registry().url);
    const pull = async () => (await anonymous.request('GET', '/v2/deployed/app/manifests/v1', { headers: { accept: image.manifest.mediaType } })).status;
    const pastTheBound = () => (clock.ms += DEPLOYED_SECONDS * 1000 + 1);
    expect(await pull()).toBe(401);

    // Whatever the cache holds from the push, a policy set now applies once the bound has passed.
    await setPolicy([{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }]);
    pastTheBound();
    expect(await pull()).toBe(200);

    await setPolicy(undefined);
    pastTheBound();
    expect(await pull()).toBe(401);
  });
});
