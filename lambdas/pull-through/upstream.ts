import type { CacheRuleRecord } from '../store/cache-rule-store.js';
import { UpstreamRegistry } from '../shared/upstream/registry-client.js';
import { upstreamBaseUrl, upstreamRepository } from './rules.js';
import type { UpstreamSecrets } from './upstream-secrets.js';

/** The upstream repository a cache repository mirrors, signed in with the rule's secret when it names one. */
export function openUpstream(rule: CacheRuleRecord, repository: string, secrets: UpstreamSecrets): UpstreamRegistry {
  // Rules are checked when written, so the URL parses.
  const url = upstreamBaseUrl(rule.upstreamRegistryUrl)!;
  const { credentialArn } = rule;
  return new UpstreamRegistry(
    { url: url.origin, host: url.host, repository: upstreamRepository(rule, repository) },
    credentialArn === undefined ? undefined : () => secrets(credentialArn),
  );
}
