import type { CacheRuleRecord } from '../store/cache-rule-store.js';
import { isLocalHost } from '../shared/upstream/loopback.js';

/** What a pull-through cache rule means: which repositories it covers, and where their images come from. */

/** ECR's prefix for a rule that covers every repository no other rule does. */
export const ROOT_PREFIX = 'ROOT';

/** ECR's names for its upstream kinds, by host; any other registry is Berth's own "oci" kind. */
const KNOWN_UPSTREAMS: [RegExp, string][] = [
  [/^registry-1\.docker\.io$/, 'docker-hub'],
  [/^public\.ecr\.aws$/, 'ecr-public'],
  [/^quay\.io$/, 'quay'],
  [/^registry\.k8s\.io$/, 'k8s'],
  [/^ghcr\.io$/, 'github-container-registry'],
  [/\.azurecr\.io$/, 'azure-container-registry'],
  [/^registry\.gitlab\.com$/, 'gitlab-container-registry'],
  [/^cgr\.dev$/, 'chainguard'],
  [/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/, 'ecr'],
];

/**
 * The API base URL of an upstream given as a host (as ECR takes it) or a URL.
 * Undefined when it is not one Berth can use: a path, credentials in it, or
 * plain HTTP to a host other than this machine.
 */
export function upstreamBaseUrl(given: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalHost(url.hostname))) return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  // Docker Hub's API lives at registry-1.docker.io, whatever name users know it by.
  if (url.hostname === 'docker.io' || url.hostname === 'index.docker.io') url.hostname = 'registry-1.docker.io';
  return url;
}

export function upstreamKind(url: URL): string | undefined {
  return KNOWN_UPSTREAMS.find(([pattern]) => pattern.test(url.hostname))?.[1];
}

/** The rule whose namespace holds the repository (the longest prefix), else a ROOT rule. */
export function ruleFor(repository: string, rules: CacheRuleRecord[]): CacheRuleRecord | undefined {
  const matching = rules
    .filter((rule) => rule.ecrRepositoryPrefix !== ROOT_PREFIX && repository.startsWith(`${rule.ecrRepositoryPrefix}/`))
    .sort((a, b) => b.ecrRepositoryPrefix.length - a.ecrRepositoryPrefix.length);
  return matching[0] ?? rules.find((rule) => rule.ecrRepositoryPrefix === ROOT_PREFIX);
}

/** The upstream repository a cache repository mirrors: `hub/library/node` under rule `hub` is `library/node`. */
export function upstreamRepository(rule: CacheRuleRecord, repository: string): string {
  const rest = rule.ecrRepositoryPrefix === ROOT_PREFIX ? repository : repository.slice(rule.ecrRepositoryPrefix.length + 1);
  const upstreamPrefix = rule.upstreamRepositoryPrefix;
  return upstreamPrefix === undefined || upstreamPrefix === ROOT_PREFIX ? rest : `${upstreamPrefix}/${rest}`;
}

/**
 * Why a push into a cache repository is refused, in the registry's and the ECR API's answers alike:
 * its images come from the upstream only, so that what it serves is always what the upstream served.
 */
export function pushRefusal(repository: string, rule: CacheRuleRecord): string {
  return `repository ${repository} is a pull through cache of ${rule.upstreamRegistryUrl} (rule ${rule.ecrRepositoryPrefix}): `
    + 'images come from the upstream registry only, and cannot be pushed';
}
