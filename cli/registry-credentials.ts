import { localDataDir } from './aws-credentials.js';
import { ApiError, createBerthApi, type BerthApi, type LoginToken } from './berth-api.js';
import { findLogin, type LoginRecord } from './logins.js';
import { loginsFile, tokenCacheFile } from './locations.js';
import { resolveRegistry, type RegistryTarget } from './registry.js';
import { TokenCache, type CachedToken } from './token-cache.js';

/**
 * docker's credentials for a registry, as the credential helper and `berth
 * login` get them: a registry token from the token route, signed with the AWS
 * default chain's credentials (from the STS token route for principals of other
 * accounts), cached per registry and principal until close to its expiry.
 */

/** A registry and how to log in to it. */
export interface LoginTarget {
  registry: RegistryTarget;
  /** Ask for pull-only tokens. */
  pullOnly: boolean;
  /** Local mode's data directory, for the administrator key fallback. */
  dataDir?: string;
}

export interface RegistryCredentials {
  username: 'AWS';
  secret: string;
  expiresAt: Date;
  /** Served from the cache rather than fetched. */
  cached: boolean;
  /** The token grants pull only. */
  pullOnly: boolean;
}

export interface CredentialDeps {
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Makes the signed client; createBerthApi unless a test gives a fake. */
  api?: (registry: RegistryTarget, options: { dataDir?: string }) => BerthApi;
  /** Notes for the helper's log (cache problems), never secrets. */
  note?: (message: string) => void;
}

/** The registry docker names by a credential helper's ServerURL: a host, or a URL of which only the scheme and host count. */
export function loginTargetFor(serverUrl: string, env: NodeJS.ProcessEnv): LoginTarget {
  const trimmed = serverUrl.trim();
  if (trimmed === '') throw new Error('no server URL on standard input');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  const url = new URL(withScheme ? trimmed : `http://${trimmed}`);
  const record = findLogin(loginsFile(env), url.host);
  if (record) return targetOf(record);
  // docker's registry is the host's root: a path (docker's /v1/ or /v2/) is not part of it.
  return { registry: resolveRegistry(withScheme ? `${url.protocol}//${url.host}` : url.host, {}), pullOnly: false };
}

/**
 * The Berth registry at `host` (host[:port]) as a source of images: the one `berth login` recorded
 * for that host, else `current` (the command's registry) when it is at that host; else none.
 */
export function berthLoginFor(host: string, env: NodeJS.ProcessEnv, current: RegistryTarget): LoginTarget | undefined {
  const record = findLogin(loginsFile(env), host);
  if (record) return targetOf(record);
  return new URL(current.url).host === host ? { registry: current, pullOnly: false } : undefined;
}

function targetOf(record: LoginRecord): LoginTarget {
  return { registry: resolveRegistry(record.registry, {}), pullOnly: record.pullOnly, ...(record.dataDir ? { dataDir: record.dataDir } : {}) };
}

/** What `berth login` records for the helper: the registry, the token kind, and locally the data directory it found the key in. */
export function loginRecordOf(registry: RegistryTarget, pullOnly: boolean, env: NodeJS.ProcessEnv): LoginRecord {
  const dataDir = registry.local ? localDataDir(registry.url, env) : undefined;
  return { registry: registry.url, pullOnly, ...(dataDir ? { dataDir } : {}) };
}

/**
 * The cached token of the principal the credentials name, if it is fresh
 * (`fresh` skips the cache), else a new one from the token route, cached.
 */
export async function registryCredentials(target: LoginTarget, deps: CredentialDeps, options: { fresh?: boolean } = {}): Promise<RegistryCredentials> {
  const now = deps.now ?? (() => new Date());
  const api = (deps.api ?? createBerthApi)(target.registry, target.dataDir ? { dataDir: target.dataDir } : {});
  const principal = await api.accessKeyId();
  const cache = new TokenCache(tokenCacheFile(deps.env));
  const scope = target.pullOnly ? 'pull' : 'all';
  const hit = options.fresh ? undefined : cache.get(target.registry.url, principal, scope, now());
  for (const problem of cache.problems.splice(0)) deps.note?.(problem);
  if (hit) return { username: 'AWS', secret: hit.password, expiresAt: new Date(hit.expiresAt), cached: true, pullOnly: hit.pullOnly };

  const issuedAt = now();
  const { token, pullOnly } = await fetchToken(api, target.pullOnly);
  const entry: CachedToken = {
    registry: target.registry.url,
    principal,
    scope,
    pullOnly,
    password: token.password,
    issuedAt: issuedAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
  };
  try {
    cache.put(entry, now());
  } catch (error) {
    // A cache that cannot be written costs a token request next time, not the credentials now.
    deps.note?.(`could not cache the token in ${cache.file}: ${(error as Error).message}`);
  }
  for (const problem of cache.problems.splice(0)) deps.note?.(problem);
  return { username: 'AWS', secret: token.password, expiresAt: token.expiresAt, cached: false, pullOnly };
}

/**
 * What API Gateway answers a principal it does not admit: its IAM authorizer's refusals (a
 * principal of another account gets one of these), or an unknown key on a local registry.
 */
const IAM_REFUSALS = new Set(['AccessDeniedException', 'ForbiddenException', 'HTTP403', 'UnrecognizedClientException']);

/** A token from the IAM token routes, or for a principal they refuse, from the STS token route. */
async function fetchToken(api: BerthApi, pullOnly: boolean): Promise<{ token: LoginToken; pullOnly: boolean }> {
  try {
    return await iamToken(api, pullOnly);
  } catch (error) {
    if (!(error instanceof ApiError && IAM_REFUSALS.has(error.name))) throw error;
    return stsToken(api, pullOnly, error);
  }
}

/**
 * The token `berth get-login-password` prints: from the token route asked for, or for a
 * principal the IAM authorizer refuses there, from the STS token route.
 */
export async function requestedToken(api: BerthApi, pullOnly: boolean): Promise<LoginToken> {
  try {
    return await api.loginToken({ pullOnly });
  } catch (error) {
    if (!(error instanceof ApiError && IAM_REFUSALS.has(error.name))) throw error;
    return (await stsToken(api, pullOnly, error)).token;
  }
}

/**
 * The full token; for a principal whose IAM policy grants only the pull-only
 * route (API Gateway refuses the other with AccessDeniedException), the pull-only token.
 */
async function iamToken(api: BerthApi, pullOnly: boolean): Promise<{ token: LoginToken; pullOnly: boolean }> {
  if (pullOnly) return { token: await api.loginToken({ pullOnly: true }), pullOnly: true };
  try {
    return { token: await api.loginToken({ pullOnly: false }), pullOnly: false };
  } catch (error) {
    if (!(error instanceof ApiError && error.name === 'AccessDeniedException')) throw error;
    return { token: await api.loginToken({ pullOnly: true }), pullOnly: true };
  }
}

/**
 * A principal the IAM authorizer refused may be of another account: the STS token route then
 * verifies it, and its token carries what repository policies grant it. Where the registry
 * has no such route (UnknownOperationException), the IAM route's refusal is the answer.
 */
async function stsToken(api: BerthApi, pullOnly: boolean, iamRefusal: ApiError): Promise<{ token: LoginToken; pullOnly: boolean }> {
  try {
    return { token: await api.stsLoginToken({ pullOnly }), pullOnly };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.name === 'UnknownOperationException') throw iamRefusal;
    throw new ApiError(error.name, `${error.message} (the IAM token route refused first: ${iamRefusal.message})`, error.status);
  }
}
