import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { RegistryTokens, TokenError } from '../../lambdas/auth/registry-tokens.js';

const HOST = 'registry.example';
const key = { kid: 'k1', secret: randomBytes(32) };
const tokens = new RegistryTokens(async () => ({ current: key, previous: [] }), HOST, () => new Date());
const claims = { principalArn: 'arn:aws:iam::000000000000:user/berth/ci', accountId: '000000000000', actions: ['ecr:BatchGetImage'] };

/** A token signed with the registry's own key, with claims of the caller's choosing. */
function signed(payload: Record<string, unknown>): Promise<string> {
  return new SignJWT({ acct: claims.accountId, act: claims.actions, ...payload })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid }).setSubject(claims.principalArn)
    .setIssuer(HOST).setAudience(HOST).setIssuedAt().setExpirationTime('1h')
    .sign(key.secret);
}

describe('registry tokens', () => {
  it('carry the access key they were obtained with, and nothing of its policy', async () => {
    const { token } = await tokens.issue({ ...claims, accessKeyId: 'BKIAEXAMPLE0000001' }, 3600);
    expect(await tokens.verify(token)).toMatchObject({ ...claims, accessKeyId: 'BKIAEXAMPLE0000001' });
    const { token: plain } = await tokens.issue(claims, 3600);
    expect(await tokens.verify(plain)).not.toHaveProperty('accessKeyId');
  });

  it('refuse a token that carries a key policy, as tokens did before they named their key', async () => {
    const legacy = await signed({ pol: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }] }) });
    await expect(tokens.verify(legacy)).rejects.toThrow(TokenError);
    await expect(tokens.verify(legacy)).rejects.toThrow(/earlier version of this registry; log in again/);
  });

  it('refuse a token whose access key is not a key ID', async () => {
    await expect(tokens.verify(await signed({ key: ['BKIAEXAMPLE0000001'] }))).rejects.toThrow(/names its access key wrongly/);
  });

  it('refuse a token that is not a JWS at all', async () => {
    await expect(tokens.verify('not-a-token')).rejects.toThrow(TokenError);
  });

  it('let a failure to read the signing keys through as a fault of the server, not as a bad token', async () => {
    const failing = new RegistryTokens(async () => { throw new Error('Secrets Manager is unavailable'); }, HOST, () => new Date());
    const { token } = await tokens.issue(claims, 3600);
    const error = await failing.verify(token).catch((thrown: unknown) => thrown);
    expect(error).not.toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ message: 'Secrets Manager is unavailable' });
  });
});

describe('registry tokens verified before', () => {
  /** A verifier whose clock and keys the test moves, as rotation and time do. */
  function movable() {
    const clock = { now: new Date('2030-01-01T00:00:00Z') };
    const keys = { current: { kid: 'k1', secret: randomBytes(32) }, previous: [] as { kid: string; secret: Uint8Array }[] };
    return { clock, keys, tokens: new RegistryTokens(async () => keys, HOST, () => clock.now) };
  }

  it('are refused once they expire, at the second of their expiry', async () => {
    const { clock, tokens: verifier } = movable();
    const { token, expiresAt } = await verifier.issue(claims, 60);
    await verifier.verify(token);
    clock.now = new Date(expiresAt.getTime() - 1);
    expect(await verifier.verify(token)).toMatchObject(claims);
    clock.now = expiresAt;
    await expect(verifier.verify(token)).rejects.toThrow(/the token has expired; log in again/);
  });

  it('stay valid after a rotation while their key verifies, and are refused once it is retired', async () => {
    const { keys, tokens: verifier } = movable();
    const { token } = await verifier.issue(claims, 3600);
    await verifier.verify(token);
    keys.previous = [keys.current];
    keys.current = { kid: 'k2', secret: randomBytes(32) };
    expect(await verifier.verify(token)).toMatchObject(claims);
    keys.previous = [];
    await expect(verifier.verify(token)).rejects.toThrow(/signed with a key this registry does not know/);
  });

  it('are refused when their key ID now names another secret', async () => {
    const { keys, tokens: verifier } = movable();
    const { token } = await verifier.issue(claims, 3600);
    await verifier.verify(token);
    keys.current = { kid: keys.current.kid, secret: randomBytes(32) };
    await expect(verifier.verify(token)).rejects.toThrow(/signed with a key this registry does not know/);
  });
});
