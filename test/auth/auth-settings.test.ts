import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../lambdas/shared/config.js';
import { ConfigError } from '../../lambdas/shared/env-values.js';

const base = {
  AWS_REGION: 'eu-west-1', BERTH_ACCOUNT_ID: '123456789012', BERTH_TABLE: 't', BERTH_BUCKET: 'b',
  BERTH_REGISTRY_HOST: 'registry.example.com', BERTH_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t',
};

describe('settings of token checks and their caches', () => {
  it('default to a 15 s access-key cache, 1,000 cached policies and a 30 s signing-key refresh', () => {
    expect(parseEnvironment(base)).toMatchObject({ accessKeyCacheSeconds: 15, policyCacheEntries: 1000, tokenKeyRefreshSeconds: 30 });
  });

  it('take values from the environment, including 0 for checking access keys on every request', () => {
    expect(parseEnvironment({
      ...base, BERTH_ACCESS_KEY_CACHE_SECONDS: '0', BERTH_POLICY_CACHE_ENTRIES: '50', BERTH_TOKEN_KEY_REFRESH_SECONDS: '5',
    })).toMatchObject({ accessKeyCacheSeconds: 0, policyCacheEntries: 50, tokenKeyRefreshSeconds: 5 });
  });

  it.each([
    [{ BERTH_ACCESS_KEY_CACHE_SECONDS: '301' }, /BERTH_ACCESS_KEY_CACHE_SECONDS must be a whole number of seconds from 0 to 300/],
    [{ BERTH_ACCESS_KEY_CACHE_SECONDS: '-1' }, /BERTH_ACCESS_KEY_CACHE_SECONDS must be a whole number/],
    [{ BERTH_POLICY_CACHE_ENTRIES: '0' }, /BERTH_POLICY_CACHE_ENTRIES must be a whole number of entries from 1 to 100000/],
    [{ BERTH_POLICY_CACHE_ENTRIES: 'many' }, /BERTH_POLICY_CACHE_ENTRIES must be a whole number/],
    [{ BERTH_TOKEN_KEY_REFRESH_SECONDS: '0' }, /BERTH_TOKEN_KEY_REFRESH_SECONDS must be a whole number of seconds from 1 to 3600/],
  ])('fail fast with an actionable message for %j', (override, message) => {
    expect(() => parseEnvironment({ ...base, ...override })).toThrow(ConfigError);
    expect(() => parseEnvironment({ ...base, ...override })).toThrow(message);
  });
});
