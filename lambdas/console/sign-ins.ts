import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleIdentity, SignInStore } from './sign-in-store.js';

/** Codes are 32 random bytes in base64url: 43 characters. */
const CODE = /^[A-Za-z0-9_-]{43}$/;

function hashOf(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/**
 * One-time sign-in links to the web console. The code travels in the link's
 * fragment, which browsers never send to a server nor put in a Referer; the
 * console's page hands it over once, and the stored record is taken then.
 */
export class ConsoleSignIns {
  constructor(
    private readonly store: SignInStore,
    private readonly consoleUrl: string,
    private readonly lifetimeSeconds: number,
    private readonly now: () => Date,
  ) {}

  async create(identity: ConsoleIdentity): Promise<{ signInUrl: string; expiresAt: Date }> {
    const code = randomBytes(32).toString('base64url');
    const expiresAt = Math.floor(this.now().getTime() / 1000) + this.lifetimeSeconds;
    await this.store.putSignIn({ ...identity, codeHash: hashOf(code), expiresAt });
    return { signInUrl: `${this.consoleUrl}#sign-in=${code}`, expiresAt: new Date(expiresAt * 1000) };
  }

  /** Who the link was made for; undefined when the code is unknown, already used or expired. */
  async redeem(code: string): Promise<ConsoleIdentity | undefined> {
    if (!CODE.test(code)) return undefined;
    const record = await this.store.takeSignIn(hashOf(code));
    // TTL removes expired items late, if at all: the expiry is checked here.
    if (!record || record.expiresAt * 1000 <= this.now().getTime()) return undefined;
    return {
      principalArn: record.principalArn,
      accountId: record.accountId,
      ...(record.accessKeyId === undefined ? {} : { accessKeyId: record.accessKeyId }),
    };
  }
}
