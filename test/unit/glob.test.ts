import { describe, expect, it } from 'vitest';
import { globMatches } from '../../lambdas/auth/glob.js';

/** The backtracking reading of a glob, fine for the short strings it checks here. */
function byRegex(pattern: string, text: string, questionMark: boolean): boolean {
  const source = [...pattern].map((char) => (char === '*' ? '.*' : char === '?' && questionMark ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** Every string over `alphabet` up to `length` characters long. */
function allStrings(alphabet: string, length: number): string[] {
  let level = [''];
  const all = [''];
  for (let size = 1; size <= length; size++) {
    level = level.flatMap((prefix) => [...alphabet].map((char) => prefix + char));
    all.push(...level);
  }
  return all;
}

describe('glob matching', () => {
  it('matches the whole text, `*` any run of characters, everything else literally', () => {
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'a')).toBe(false);
    expect(globMatches('dev-*', 'dev-')).toBe(true);
    expect(globMatches('dev-*', 'mydev-1')).toBe(false);
    expect(globMatches('*-rc', '1.0-rc1')).toBe(false);
    expect(globMatches('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatches('a*b*c', 'abcbc')).toBe(true);
    expect(globMatches('a*a*a', 'aa')).toBe(false);
    expect(globMatches('v1.*', 'v1x2')).toBe(false);
    expect(globMatches('Latest', 'latest')).toBe(false);
  });

  it('reads `?` as one character only when asked, and folds case only when asked', () => {
    expect(globMatches('ecr:Get?ownloadUrlForLayer', 'ecr:GetDownloadUrlForLayer', { questionMark: true })).toBe(true);
    expect(globMatches('ecr:Get?ownloadUrlForLayer', 'ecr:GetDownloadUrlForLayer')).toBe(false);
    expect(globMatches('v?', 'v?')).toBe(true);
    expect(globMatches('?', '', { questionMark: true })).toBe(false);
    expect(globMatches('ecr:batchget*', 'ecr:BatchGetImage', { ignoreCase: true })).toBe(true);
    expect(globMatches('ecr:batchget*', 'ecr:BatchGetImage')).toBe(false);
  });

  it('agrees with the regular-expression reading on every short pattern and text', () => {
    const patterns = allStrings('ab*?', 4);
    const texts = allStrings('ab?*', 4);
    const disagreements: string[] = [];
    for (const questionMark of [false, true]) {
      for (const pattern of patterns) {
        for (const text of texts) {
          if (globMatches(pattern, text, { questionMark }) !== byRegex(pattern, text, questionMark)) {
            disagreements.push(`${JSON.stringify(pattern)} against ${JSON.stringify(text)} (questionMark ${questionMark})`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('answers a pattern of many stars against a long near-miss, which a backtracking regex cannot', () => {
    // 146 characters with 18 stars: the shape of pattern that pinned the request path.
    const pattern = `ecr:${'aaaaaa*'.repeat(18)}${'b'.repeat(16)}`;
    expect(pattern).toHaveLength(146);
    expect(globMatches(pattern, `ecr:${'a'.repeat(4096)}`, { questionMark: true, ignoreCase: true })).toBe(false);
    expect(globMatches(pattern, `ecr:${'a'.repeat(4096)}${'b'.repeat(16)}`, { questionMark: true, ignoreCase: true })).toBe(true);
    expect(globMatches(`ecr:${'*a'.repeat(18)}`, 'ecr:BatchGetImage', { questionMark: true, ignoreCase: true })).toBe(false);
  });
});
