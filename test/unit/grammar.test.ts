import { describe, expect, it } from 'vitest';
import { isValidDigest, isValidName, isValidTag } from '../../lambdas/registry/grammar.js';

describe('repository names', () => {
  it.each(['a', 'team/app/api', 'a.b_c__d-e--f', 'x9/y8', 'library/alpine'])('accepts %s', (name) => {
    expect(isValidName(name)).toBe(true);
  });
  it.each(['', 'Upper', 'a//b', '/a', 'a/', 'a..b', 'a___b', '-a', 'a-', 'a b', `${'a'.repeat(257)}`])('refuses %j', (name) => {
    expect(isValidName(name)).toBe(false);
  });
});

describe('tags', () => {
  it.each(['latest', 'v1.2.3', '_x', 'A-b_c.d', 'a'.repeat(128)])('accepts %s', (tag) => expect(isValidTag(tag)).toBe(true));
  it.each(['', '.x', '-x', 'a/b', 'a:b', 'a'.repeat(129)])('refuses %j', (tag) => expect(isValidTag(tag)).toBe(false));
});

describe('digests', () => {
  it('accepts sha256 and sha512 in lower-case hex of the right length', () => {
    expect(isValidDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isValidDigest(`sha512:${'0'.repeat(128)}`)).toBe(true);
  });
  it.each([`sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `md5:${'a'.repeat(32)}`, 'sha256', `sha256:${'g'.repeat(64)}`])('refuses %j', (digest) => {
    expect(isValidDigest(digest)).toBe(false);
  });
});
