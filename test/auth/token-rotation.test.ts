import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryTokens, TokenError } from '../../lambdas/auth/registry-tokens.js';
import { localTokenKeys, localTokenKeySource, rotateLocalTokenKey } from '../../local/token-keys.js';

const dataDir = mkdtempSync(join(tmpdir(), 'berth-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('token-signing key rotation', () => {
  const tokens = new RegistryTokens(async () => localTokenKeys(dataDir), 'registry.example', () => new Date());
  const claims = { principalArn: 'arn:aws:iam::000000000000:root', accountId: '000000000000', actions: ['ecr:BatchGetImage'] };

  it('keeps tokens signed before a rotation valid, and signs new ones with the new key', async () => {
    const before = await tokens.issue(claims, 3600);
    const first = localTokenKeys(dataDir).current.kid;
    rotateLocalTokenKey(dataDir);
    expect(localTokenKeys(dataDir).current.kid).not.toBe(first);
    expect((await tokens.verify(before.token)).principalArn).toBe(claims.principalArn);
    const after = await tokens.issue(claims, 3600);
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString()).kid).toBe(localTokenKeys(dataDir).current.kid);
  });

  it('forgets keys older than the ones kept, and their tokens with them', async () => {
    const old = await tokens.issue(claims, 3600);
    for (let i = 0; i < 3; i += 1) rotateLocalTokenKey(dataDir);
    await expect(tokens.verify(old.token)).rejects.toBeInstanceOf(TokenError);
  });
});

describe("local mode's token-key source", () => {
  it('reads the data directory once, not on every request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-keys-'));
    try {
      const source = localTokenKeySource(dir);
      const first = await source();
      rmSync(join(dir, 'token-keys.json'));
      // Read again, the file would be created anew with another key.
      expect(await source(first.current.kid)).toBe(first);
      expect(existsSync(join(dir, 'token-keys.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
