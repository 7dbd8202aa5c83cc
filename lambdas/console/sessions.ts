import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { keyNamed, type TokenKeySource } from '../auth/token-keys.js';
import type { ConsoleIdentity } from './sign-in-store.js';

export interface ConsoleSession {
  identity: ConsoleIdentity;
  /** Sent back by the console's page in a header with every change: a cross-site form cannot know it. */
  csrfToken: string;
  expiresAt: Date;
}

const ALGORITHM = 'HS256';
const TYPE = 'berth-console+jwt';

/**
 * Console sessions: JWTs in an HttpOnly cookie, signed with the registry's
 * token keys but addressed to the console (audience `<host>/console`, own
 * type), so a session is never a registry token nor a registry token a session.
 */
export class ConsoleSessions {
  private readonly audience: string;

  constructor(
    private readonly keys: TokenKeySource,
    private readonly registryHost: string,
    readonly lifetimeSeconds: number,
    private readonly now: () => Date,
  ) {
    this.audience = `${registryHost}/console`;
  }

  async issue(identity: ConsoleIdentity): Promise<{ token: string; session: ConsoleSession }> {
    const { current } = await this.keys();
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const csrfToken = randomBytes(24).toString('base64url');
    const token = await new SignJWT({
      acct: identity.accountId,
      csrf: csrfToken,
      ...(identity.accessKeyId === undefined ? {} : { key: identity.accessKeyId }),
    })
      .setProtectedHeader({ alg: ALGORITHM, kid: current.kid, typ: TYPE })
      .setSubject(identity.principalArn)
      .setIssuer(this.registryHost)
      .setAudience(this.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.lifetimeSeconds)
      .sign(current.secret);
    return { token, session: { identity, csrfToken, expiresAt: new Date((issuedAt + this.lifetimeSeconds) * 1000) } };
  }

  /** The session a cookie holds, or undefined for anything not a current session of this console. */
  async verify(token: string): Promise<ConsoleSession | undefined> {
    try {
      const { kid } = decodeProtectedHeader(token);
      const key = keyNamed(await this.keys(kid), kid);
      if (!key) return undefined;
      const { payload } = await jwtVerify(token, key.secret, {
        algorithms: [ALGORITHM],
        typ: TYPE,
        issuer: this.registryHost,
        audience: this.audience,
        currentDate: this.now(),
        requiredClaims: ['sub', 'exp'],
      });
      const { sub, acct, csrf, key: accessKeyId, exp } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || typeof acct !== 'string' || typeof csrf !== 'string') return undefined;
      return {
        identity: { principalArn: sub, accountId: acct, ...(typeof accessKeyId === 'string' ? { accessKeyId } : {}) },
        csrfToken: csrf,
        expiresAt: new Date((exp as number) * 1000),
      };
    } catch {
      return undefined;
    }
  }
}

/** Whether a request's CSRF header matches its session's token, compared in constant time. */
export function csrfMatches(session: ConsoleSession, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(sent);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
