import { describe, expect, it } from 'vitest';
import { isTagImmutable, wildcardMatches } from '../../lambdas/registry/manifests/tag-mutability.js';
import type { TagMutability } from '../../lambdas/store/records.js';

const settings = (imageTagMutability: TagMutability, filters: string[] = []) => ({
  imageTagMutability,
  imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filterType: 'WILDCARD' as const, filter })),
});

describe('tag immutability', () => {
  it('follows MUTABLE and IMMUTABLE for every tag', () => {
    expect(isTagImmutable(settings('MUTABLE'), 'v1')).toBe(false);
    expect(isTagImmutable(settings('IMMUTABLE'), 'v1')).toBe(true);
    expect(isTagImmutable(settings('IMMUTABLE'), 'latest')).toBe(true);
  });

  it('turns the setting around for tags an exclusion filter matches', () => {
    expect(isTagImmutable(settings('IMMUTABLE_WITH_EXCLUSION', ['dev-*']), 'dev-1')).toBe(false);
    expect(isTagImmutable(settings('IMMUTABLE_WITH_EXCLUSION', ['dev-*']), 'v1')).toBe(true);
    expect(isTagImmutable(settings('MUTABLE_WITH_EXCLUSION', ['release-*', 'v*.*']), 'release-2')).toBe(true);
    expect(isTagImmutable(settings('MUTABLE_WITH_EXCLUSION', ['release-*', 'v*.*']), 'v1.2')).toBe(true);
    expect(isTagImmutable(settings('MUTABLE_WITH_EXCLUSION', ['release-*']), 'latest')).toBe(false);
  });

  it('matches wildcards against the whole tag, case-sensitively, with other characters literal', () => {
    expect(wildcardMatches('*', 'anything')).toBe(true);
    expect(wildcardMatches('dev-*', 'dev-')).toBe(true);
    expect(wildcardMatches('dev-*', 'mydev-1')).toBe(false);
    expect(wildcardMatches('*-rc', '1.0-rc')).toBe(true);
    expect(wildcardMatches('*-rc', '1.0-rc1')).toBe(false);
    expect(wildcardMatches('v1.*', 'v1x2')).toBe(false);
    expect(wildcardMatches('v1.*', 'v1.2')).toBe(true);
    expect(wildcardMatches('a*b*c', 'aXXbYYc')).toBe(true);
    expect(wildcardMatches('Latest', 'latest')).toBe(false);
  });

  it('answers for a filter of many stars against a long near-miss', () => {
    const filter = `${'aaaaaa*'.repeat(18)}${'b'.repeat(20)}`;
    expect(isTagImmutable(settings('IMMUTABLE_WITH_EXCLUSION', [filter]), 'a'.repeat(128))).toBe(true);
    expect(isTagImmutable(settings('IMMUTABLE_WITH_EXCLUSION', [filter]), `${'a'.repeat(108)}${'b'.repeat(20)}`)).toBe(false);
  });
});
