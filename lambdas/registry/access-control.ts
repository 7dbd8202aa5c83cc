import { isAllowed, type Caller } from '../auth/authorize.js';
import { TokenError, type RegistryTokens, type TokenClaims } from '../auth/registry-tokens.js';
import type { AccessKeyStore } from '../store/access-key-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { repositoryArn } from '../shared/arns.js';
import { ExpiringLru } from '../shared/expiring-lru.js';
import type { HttpRequest } from '../shared/http/types.js';
import { RegistryError } from './errors.js';
import type { Access } from './routes.js';

export interface AccessControlConfig {
  tokens: RegistryTokens;
  /** The account that owns the registry: its principals are allowed by default. */
  accountId: string;
  region: string;
  /** The realm in the Basic challenge: the registry's URL. */
  realm: string;
  /**
   * How long a repository's policy is remembered per function instance. Keeps a
   * pull at one read per request; a policy change takes up to this long to apply.
   */
  policyCacheSeconds: number;
  /**
   * How long an issued access key found (or found gone) is remembered per
   * function instance: tokens of a deleted key are refused within this time.
   */
  accessKeyCacheSeconds: number;
  /** How many repository policies, and how many access keys, each instance remembers at most. */
  policyCacheEntries: number;
  /**
   * Where one process makes every change (local mode): it calls the listener
   * given here at each write to the table, and the remembered policies are
   * forgotten, so policy changes apply at once whatever policyCacheSeconds says.
   */
  policyChanges?: (forget: () => void) => void;
}

/** The stores access control reads: repositories (for their policies) and issued access keys. */
export interface AccessControlStores {
  repositories: MetadataStore;
  accessKeys: AccessKeyStore;
}

/** A caller of the registry: who, and which actions their token carries. */
export type RegistryCaller = { caller: Caller; tokenActions?: string[] };

/**
 * Authentication and authorization of /v2/ requests. Credentials are the
 * registry tokens GetAuthorizationToken issues, as Basic `AWS:<token>` (what
 * docker login stores) or Bearer; each request's ECR action is then decided by
 * the token's actions, the repository policy, the policy of the access key the
 * token names (if any) and the caller's account.
 */
export class AccessControl {
  private readonly policies: ExpiringLru<string | undefined>;
  /** What the registry needs of an issued key: that it exists, and its policy. */
  private readonly accessKeys: ExpiringLru<{ policyText?: string } | undefined>;

  constructor(
    private readonly config: AccessControlConfig,
    private readonly stores: AccessControlStores,
    now: () => Date,
  ) {
    const clock = () => now().getTime();
    this.policies = new ExpiringLru(config.policyCacheEntries, config.policyCacheSeconds * 1000, clock);
    this.accessKeys = new ExpiringLru(config.policyCacheEntries, config.accessKeyCacheSeconds * 1000, clock);
    config.policyChanges?.(() => this.policies.clear());
  }

  /** Missing credentials make an anonymous caller; bad ones are refused with the challenge. */
  async authenticate(request: HttpRequest): Promise<RegistryCaller> {
    const token = credentialOf(request.headers.authorization);
    if (token === undefined) return { caller: { kind: 'anonymous' } };
    let claims: TokenClaims;
    try {
      claims = await this.config.tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenError) throw this.unauthorized(error.message);
      throw error;
    }
    const policyText = claims.accessKeyId === undefined ? undefined : await this.keyPolicyOf(claims.accessKeyId);
    return {
      caller: {
        kind: 'principal',
        arn: claims.principalArn,
        accountId: claims.accountId,
        ...(policyText === undefined ? {} : { identityPolicyText: policyText }),
      },
      tokenActions: claims.actions,
    };
  }

  /** The policy of the access key a token was obtained with; a deleted key's tokens are refused. */
  private async keyPolicyOf(accessKeyId: string): Promise<string | undefined> {
    const key = await this.accessKeys.get(accessKeyId, async () => {
      const record = await this.stores.accessKeys.getAccessKey(accessKeyId);
      return record && (record.policyText === undefined ? {} : { policyText: record.policyText });
    });
    if (!key) throw this.unauthorized(`access key ${accessKeyId}, which this token was issued for, no longer exists; log in again`);
    return key.policyText;
  }

  /** Throws UNAUTHORIZED (with the challenge) or DENIED unless the caller may make the request. */
  async authorize(who: RegistryCaller, access: Access, repository: string | undefined): Promise<void> {
    if (typeof access === 'string' || repository === undefined) {
      if (who.caller.kind === 'anonymous') throw this.unauthorized('sign in with docker login first');
      if (access === 'own-account' && who.caller.accountId !== this.config.accountId) {
        throw new RegistryError('DENIED', `${who.caller.arn} is not of the registry's account; only its principals list every repository`);
      }
      return;
    }
    if (await this.mayPerform(who, access.action, repository)) return;
    if (who.caller.kind === 'anonymous') throw this.unauthorized(`anonymous ${access.action} on ${repository} is not allowed; sign in with docker login`);
    throw new RegistryError('DENIED', `${who.caller.arn} is not authorized to perform ${access.action} on repository ${repository}`, { action: access.action, repository });
  }

  async mayPerform(who: RegistryCaller, action: string, repository: string): Promise<boolean> {
    if (who.tokenActions && !who.tokenActions.includes(action)) return false;
    const policyText = await this.policyOf(repository);
    return isAllowed({
      caller: who.caller,
      action,
      resource: repositoryArn(this.config, repository),
      ...(policyText === undefined ? {} : { repositoryPolicyText: policyText }),
      registryAccountId: this.config.accountId,
    });
  }

  private policyOf(repository: string): Promise<string | undefined> {
    return this.policies.get(repository, async () => (await this.stores.repositories.getRepository(repository))?.policyText);
  }

  private unauthorized(message: string): RegistryError {
    return new RegistryError('UNAUTHORIZED', message, undefined, {
      'www-authenticate': `Basic realm="${this.config.realm}",service="berth"`,
    });
  }
}

/** The token in `Basic base64(AWS:<token>)` or `Bearer <token>`. */
function credentialOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? decoded : decoded.slice(colon + 1);
  // skopeo, podman and buildah answer a challenge with empty Basic credentials when they have none.
  return password === '' ? undefined : password;
}
