import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { RegistryTokens, TokenError } from '../../lambdas/auth/registry-tokens.js';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import type { SecretsManager } from '../../lambdas/aws/secrets-manager.js';
import { secretsManagerTokenKeys } from '../../lambdas/auth/secrets-manager-keys.js';

/**
 * The token secret's AWSCURRENT and AWSPREVIOUS versions, as GetSecretValue
 * answers them; no emulator of Secrets Manager exists, and these tests are
 * about when a function instance reads the keys, which this counts.
 */
class TokenSecret {
  reads = 0;
  private versions: { id: string; value: string }[] = [];

  constructor() {
    this.rotate();
  }

  /** What the rotation function's finishSecret leaves: a new current version, the old one previous. */
  rotate(): void {
    this.versions = [{ id: randomUUID(), value: randomBytes(32).toString('base64') }, ...this.versions].slice(0, 2);
  }

  readonly client: Pick<SecretsManager, 'getSecretValue'> = {
    getSecretValue: async (input) => {
      this.reads += 1;
      const version = this.versions[input.VersionStage === 'AWSPREVIOUS' ? 1 : 0];
      if (!version) throw new AwsError('ResourceNotFoundException', 'no such version', 400);
      return { VersionId: version.id, SecretString: version.value };
    },
  };
}

const REFRESH_SECONDS = 30;
const claims = { principalArn: 'arn:aws:iam::000000000000:root', accountId: '000000000000', actions: ['ecr:BatchGetImage'] };

/** One function instance: its own key cache over the shared secret, on a clock the test moves. */
function instance(secret: TokenSecret, clock: { ms: number }): RegistryTokens {
  const keys = secretsManagerTokenKeys(secret.client, 'token-secret', { refreshSeconds: REFRESH_SECONDS, now: () => clock.ms });
  return new RegistryTokens(keys, 'registry.example', () => new Date(clock.ms));
}

/** A token that names a signing key no version of the secret holds. */
function madeUpKeyToken(kid: string): Promise<string> {
  return new SignJWT({ acct: claims.accountId, act: claims.actions })
    .setProtectedHeader({ alg: 'HS256', kid }).setSubject(claims.principalArn)
    .setIssuer('registry.example').setAudience('registry.example').setIssuedAt().setExpirationTime('1h')
    .sign(randomBytes(32));
}

describe('token-signing keys after a rotation', () => {
  it('are read again when a token names a key this instance has not seen, so fresh tokens are accepted at once', async () => {
    const secret = new TokenSecret();
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const verifier = instance(secret, clock);
    await verifier.verify((await verifier.issue(claims, 3600)).token);

    secret.rotate();
    clock.ms += 60_000;
    const fresh = await instance(secret, clock).issue(claims, 3600);
    expect((await verifier.verify(fresh.token)).principalArn).toBe(claims.principalArn);
  });

  it('are read again at most once per refresh interval, however many tokens name unknown keys', async () => {
    const secret = new TokenSecret();
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const verifier = instance(secret, clock);
    await verifier.verify((await verifier.issue(claims, 3600)).token);
    const readsWhenWarm = secret.reads;

    clock.ms += REFRESH_SECONDS * 1000;
    for (let i = 0; i < 5; i += 1) {
      await expect(verifier.verify(await madeUpKeyToken(`made-up-${i}`))).rejects.toThrow(TokenError);
      clock.ms += 1000;
    }
    const readsOfOneRefresh = secret.reads - readsWhenWarm;
    expect(readsOfOneRefresh).toBeGreaterThan(0);

    // A rotation within the interval waits for the next refresh; the token is refused until then, and no read happens.
    secret.rotate();
    const fresh = await instance(secret, clock).issue(claims, 3600);
    const readsBefore = secret.reads;
    await expect(verifier.verify(fresh.token)).rejects.toThrow(/does not know/);
    expect(secret.reads).toBe(readsBefore);

    clock.ms += REFRESH_SECONDS * 1000;
    expect((await verifier.verify(fresh.token)).principalArn).toBe(claims.principalArn);
    expect(secret.reads - readsBefore).toBe(readsOfOneRefresh);
  });

  it('verify tokens of the previous version after a rotation, and none older', async () => {
    const secret = new TokenSecret();
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const beforeRotation = await instance(secret, clock).issue(claims, 3600);
    secret.rotate();
    // An instance that starts after the rotation signs with the new current key and still knows AWSPREVIOUS.
    const after = instance(secret, clock);
    expect((await after.verify(beforeRotation.token)).principalArn).toBe(claims.principalArn);
    const current = await after.issue(claims, 3600);
    expect((await after.verify(current.token)).principalArn).toBe(claims.principalArn);

    secret.rotate();
    const later = instance(secret, clock);
    expect((await later.verify(current.token)).principalArn).toBe(claims.principalArn);
    await expect(later.verify(beforeRotation.token)).rejects.toThrow(TokenError);
  });

  it('are not read again for tokens signed with a key the instance knows', async () => {
    const secret = new TokenSecret();
    const clock = { ms: Date.parse('2030-01-01T00:00:00Z') };
    const verifier = instance(secret, clock);
    const { token } = await verifier.issue(claims, 3600);
    const reads = secret.reads;
    for (let i = 0; i < 3; i += 1) {
      clock.ms += REFRESH_SECONDS * 1000;
      await verifier.verify(token);
    }
    expect(secret.reads).toBe(reads);
  });
});

describe('token-signing keys on a cold instance', () => {
  it('are read once for the requests that arrive together, both versions at once', async () => {
    const secret = new TokenSecret();
    let inFlight = 0;
    let most = 0;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // Secrets Manager holding its answers until the test lets them go.
    const slow: Pick<SecretsManager, 'getSecretValue'> = {
      getSecretValue: async (input) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await answered;
        inFlight -= 1;
        return secret.client.getSecretValue(input);
      },
    };
    const keys = secretsManagerTokenKeys(slow, 'token-secret', { refreshSeconds: REFRESH_SECONDS });
    const requests = Promise.all([keys(), keys(), keys()]);
    // AWSCURRENT and AWSPREVIOUS are both asked for before either answers.
    await vi.waitFor(() => expect(most).toBe(2));
    answer();
    const [first, ...others] = await requests;
    expect(secret.reads).toBe(2);
    for (const other of others) expect(other).toBe(first);
    expect(first.previous).toEqual([]);
  });
});
