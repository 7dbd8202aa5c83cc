/**
 * Pull-through cache rules (ECR's PullThroughCacheRule) and what the cache
 * remembers about its upstreams: which digest each upstream tag named when it
 * was last checked, and manifests fetched from an upstream whose blobs are
 * still being stored (served meanwhile, so a first pull never waits for them).
 */

export interface CacheRuleRecord {
  /** The namespace of the cache's repositories, without a trailing slash (`hub` covers `hub/library/node`). */
  ecrRepositoryPrefix: string;
  /** As given: a host, or a URL (http:// only for this machine). */
  upstreamRegistryUrl: string;
  /** ECR's name for the kind of upstream (docker-hub, quay, …), guessed from the URL when not given. */
  upstreamRegistry?: string;
  /** The Secrets Manager secret holding `{"username", "accessToken"}` for the upstream. */
  credentialArn?: string;
  customRoleArn?: string;
  /** The upstream namespace the cache's repositories map to; ROOT (absent) maps them to the whole registry. */
  upstreamRepositoryPrefix?: string;
  createdAt: string;
  updatedAt: string;
}

/** What an upstream tag named when the cache last asked. */
export interface UpstreamTagRecord {
  tag: string;
  digest: string;
  checkedAt: string;
}

/** A manifest fetched from an upstream, held until the image is stored whole in the repository. */
export interface UpstreamManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
  /** The bytes, or where they are in the bucket when too large for an item. */
  body?: Uint8Array;
  objectKey?: string;
}

export interface CacheRuleStore {
  /** Returns false when a rule for the prefix exists already. */
  createRule(record: CacheRuleRecord): Promise<boolean>;
  /** Returns false when no rule for the prefix exists. */
  replaceRule(record: CacheRuleRecord): Promise<boolean>;
  getRule(prefix: string): Promise<CacheRuleRecord | undefined>;
  /** All rules, in prefix order. */
  listRules(): Promise<CacheRuleRecord[]>;
  deleteRule(prefix: string): Promise<CacheRuleRecord | undefined>;

  getUpstreamTag(repository: string, tag: string): Promise<UpstreamTagRecord | undefined>;
  putUpstreamTag(repository: string, record: UpstreamTagRecord): Promise<void>;
  getUpstreamManifest(repository: string, digest: string): Promise<UpstreamManifestRecord | undefined>;
  putUpstreamManifest(repository: string, record: UpstreamManifestRecord): Promise<void>;
  deleteUpstreamManifest(repository: string, digest: string): Promise<void>;
}
