import { isAllowed, type Caller } from '../auth/authorize.js';
import { TokenError, type RegistryTokens } from '../auth/registry-tokens.js';
import type { MetadataStore } from '../store/metadata-store.js';
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
}

/** A caller of the registry: who, and which actions their token carries. */
export type RegistryCaller = { caller: Caller; tokenActions?: string[] };

/**
 * Authentication and authorization of /v2/ requests. Credentials are the
 * registry tokens GetAuthorizationToken issues, as Basic `AWS:<token>` (what
 * docker login stores) or Bearer; each request's ECR action is then decided by
 * the token's actions, the repository policy and the caller's account.
 */
export class AccessControl {
  private readonly policies = new Map<string, { text: string | undefined; until: number }>();

  constructor(
    private readonly config: AccessControlConfig,
    private readonly store: MetadataStore,
    private readonly now: () => Date,
  ) {}

  /** Missing credentials make an anonymous caller; bad ones are refused with the challenge. */
  async authenticate(request: HttpRequest): Promise<RegistryCaller> {
    const token = credentialOf(request.headers.authorization);
    if (token === undefined) return { caller: { kind: 'anonymous' } };
    try {
      const claims = await this.config.tokens.verify(token);
      return {
        caller: {
          kind: 'principal',
          arn: claims.principalArn,
          accountId: claims.accountId,
          ...(claims.identityPolicyText === undefined ? {} : { identityPolicyText: claims.identityPolicyText }),
        },
        tokenActions: claims.actions,
      };
    } catch (error) {
      if (error instanceof TokenError) throw this.unauthorized(error.message);
      throw error;
    }
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
      resource: `arn:aws:ecr:${this.config.region}:${this.config.accountId}:repository/${repository}`,
      ...(policyText === undefined ? {} : { repositoryPolicyText: policyText }),
      registryAccountId: this.config.accountId,
    });
  }

  private async policyOf(repository: string): Promise<string | undefined> {
    const nowMs = this.now().getTime();
    const cached = this.policies.get(repository);
    if (cached && cached.until > nowMs) return cached.text;
    const text = (await this.store.getRepository(repository))?.policyText;
    if (this.config.policyCacheSeconds > 0) this.policies.set(repository, { text, until: nowMs + this.config.policyCacheSeconds * 1000 });
    return text;
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
