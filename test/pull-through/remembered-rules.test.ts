import { expect, it } from 'vitest';
import type { CacheRuleRecord } from '../../lambdas/store/cache-rule-store.js';
import { DynamoCacheRuleStore } from '../../lambdas/store/dynamo-cache-rule-store.js';
import { RememberedCacheRules } from '../../lambdas/store/remembered-cache-rules.js';
import { dynamo } from '../gc/gc-support.js';
import { useRegistry } from '../support/registry.js';

/**
 * The registry asks on every read whether a rule covers the repository, so it remembers the
 * rules for the policy cache's time: a change made elsewhere (another function instance, the
 * management function) shows once that time has passed, or at once when this server is told.
 */

const registry = useRegistry();
const rule = (prefix: string): CacheRuleRecord => ({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: 'http://127.0.0.1:9', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
const prefixes = async (rules: RememberedCacheRules) => (await rules.listRules()).map((record) => record.ecrRepositoryPrefix).sort();

it('remembers the rules for its time, forgets them when told, and sees its own changes at once', async () => {
  let clock = 0;
  let forget = () => undefined as void;
  const remembered = new RememberedCacheRules(dynamo(), registry().table, 10_000, (callback) => { forget = callback; }, () => clock);
  const elsewhere = new DynamoCacheRuleStore(dynamo(), registry().table);

  expect(await prefixes(remembered)).toEqual([]);
  await elsewhere.createRule(rule('hub'));
  clock = 9_999;
  expect(await prefixes(remembered)).toEqual([]);
  clock = 10_001;
  expect(await prefixes(remembered)).toEqual(['hub']);

  await elsewhere.createRule(rule('quay'));
  expect(await prefixes(remembered)).toEqual(['hub']);
  forget();
  expect(await prefixes(remembered)).toEqual(['hub', 'quay']);

  expect(await remembered.createRule(rule('ghcr'))).toBe(true);
  expect(await prefixes(remembered)).toEqual(['ghcr', 'hub', 'quay']);
  await remembered.deleteRule('hub');
  expect(await prefixes(remembered)).toEqual(['ghcr', 'quay']);
});
