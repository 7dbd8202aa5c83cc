import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ExpiringLru } from '../shared/expiring-lru.js';
import { keyNamed, type TokenKey, type TokenKeySet, type TokenKeySource } from './token-keys.js';

/** What a registry token says: who, in which account, may do what, until when. */
export interface TokenClaims {
  principalArn: string;
  accountId: string;
  /** ECR action names the token permits (see ./actions.ts). */
  actions: string[];
  /**
   * The access key Berth issued that the token was obtained with, if any. The
   * registry looks the key up on use, so deleting the key revokes its tokens and
   * the key's policy applies without travelling in the token (whatever its size).
   */
  accessKeyId?: string;
  expiresAt: Date;
}

/** Why a token was refused; the registry answers all of them with 401. */
export class TokenError extends Error {
  override name = 'TokenError';
}

const ALGORITHM = 'HS256';

/**
 * Verified tokens remembered per instance, by token string: a client sends the
 * same token with every request, and checking its signature again costs more
 * than the rest of a manifest HEAD's own work. Bounded in count; entries leave
 * only as the least recently used, since every use still checks the expiry and
 * that the signing key is still trusted.
 */
const VERIFIED_TOKENS = 1000;

interface Verified {
  claims: TokenClaims;
  key: TokenKey;
}

/**
 * Registry passwords: JWS tokens signed with the registry's current key and
 * addressed to this registry (issuer and audience are its host), so tokens of
 * another Berth registry are refused even when both trust the same account.
 */
export class RegistryTokens {
  private readonly verified: ExpiringLru<Verified>;

  constructor(
    private readonly keys: TokenKeySource,
    private readonly registryHost: string,
    private readonly now: () => Date,
  ) {
    this.verified = new ExpiringLru(VERIFIED_TOKENS, Number.POSITIVE_INFINITY, () => this.now().getTime());
  }

  async issue(claims: Omit<TokenClaims, 'expiresAt'>, lifetimeSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const { current } = await this.keys();
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const expiresAt = new Date((issuedAt + lifetimeSeconds) * 1000);
    const token = await new SignJWT({
      acct: claims.accountId,
      act: claims.actions,
      ...(claims.accessKeyId === undefined ? {} : { key: claims.accessKeyId }),
    })
      .setProtectedHeader({ alg: ALGORITHM, kid: current.kid, typ: 'JWT' })
      .setSubject(claims.principalArn)
      .setIssuer(this.registryHost)
      .setAudience(this.registryHost)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(current.secret);
    return { token, expiresAt };
  }

  async verify(token: string): Promise<TokenClaims> {
    const { claims, key } = await this.verified.get(token, () => this.verifySignature(token));
    // As jose judges expiry: at the second of `exp`, the token is expired.
    if (claims.expiresAt.getTime() <= Math.floor(this.now().getTime() / 1000) * 1000) throw new TokenError('the token has expired; log in again');
    // The key may have been retired since: a token is only as good as the keys trusted now.
    const trusted = keyFor(await this.keys(key.kid), key.kid);
    if (Buffer.compare(trusted.secret, key.secret) !== 0) throw new TokenError('the token was signed with a key this registry does not know');
    return claims;
  }

  private async verifySignature(token: string): Promise<Verified> {
    const kid = signingKidOf(token);
    // Outside the try: a key source that fails is a server fault, not a bad token.
    const keySet = await this.keys(kid);
    const key = keyFor(keySet, kid);
    try {
      const { payload } = await jwtVerify(token, key.secret, {
        algorithms: [ALGORITHM],
        issuer: this.registryHost,
        audience: this.registryHost,
        currentDate: this.now(),
      });
      return { claims: claimsOf(payload), key };
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenError('the token has expired; log in again');
      if (error instanceof errors.JWTClaimValidationFailed) throw new TokenError('the token was issued for another registry');
      throw new TokenError('the token is not valid');
    }
  }
}

function signingKidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    throw new TokenError('the token is not valid');
  }
}

function keyFor(keySet: TokenKeySet, kid: string | undefined): TokenKey {
  const key = keyNamed(keySet, kid);
  if (!key) throw new TokenError('the token was signed with a key this registry does not know');
  return key;
}

function claimsOf(payload: JWTPayload): TokenClaims {
  const { sub, acct, act, key, exp } = payload as JWTPayload & { acct?: unknown; act?: unknown; key?: unknown };
  if (typeof sub !== 'string' || typeof acct !== 'string' || !Array.isArray(act) || typeof exp !== 'number') {
    throw new TokenError('the token lacks its principal, account or actions');
  }
  // Tokens once carried an access key's policy instead of naming the key: without the key they would act unrestricted.
  if ('pol' in payload) throw new TokenError('the token was issued by an earlier version of this registry; log in again');
  if (key !== undefined && typeof key !== 'string') throw new TokenError('the token names its access key wrongly');
  return {
    principalArn: sub,
    accountId: acct,
    actions: act.map(String),
    ...(key === undefined ? {} : { accessKeyId: key }),
    expiresAt: new Date(exp * 1000),
  };
}
