import { describe, expect, it } from 'vitest';
import { filteredPage, MAX_PAGE_SIZE, MAX_SCANNED_PER_PAGE, nextLink, parsePageRequest } from '../../lambdas/registry/pagination.js';
import { RegistryError } from '../../lambdas/registry/errors.js';

/** A sorted listing read as the store reads it: names after `after`, `limit` at most, and whether more follow. */
function listing(names: string[]) {
  return async (after: string | undefined, limit: number) => {
    const rest = names.filter((name) => after === undefined || name > after);
    return { items: rest.slice(0, limit), more: rest.length > limit };
  };
}

/** Every page from the start, following `next`. */
async function allPages(names: string[], visible: (name: string) => boolean, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  do {
    const page = await filteredPage(listing(names), async (name) => visible(name), limit, after);
    pages.push(page.items);
    after = page.next;
  } while (after !== undefined);
  return pages;
}

const numbered = (count: number) => Array.from({ length: count }, (_, index) => `r${String(index).padStart(6, '0')}`);

describe('filtered pages', () => {
  it('fills each page with visible names and ends it on the last one', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const odd = (name: string) => 'aceg'.includes(name);
    expect(await allPages(names, odd, 2)).toEqual([['a', 'c'], ['e', 'g']]);
    expect(await filteredPage(listing(names), async (name) => odd(name), 2, undefined)).toEqual({ items: ['a', 'c'], next: 'c' });
    expect(await allPages(names, () => true, 7)).toEqual([names]);
    expect(await allPages(names, () => false, 3)).toEqual([[]]);
  });

  it('ends a page early after MAX_SCANNED_PER_PAGE hidden names, and the next page picks up after them', async () => {
    const names = numbered(MAX_SCANNED_PER_PAGE + 3);
    const last = names.at(-1)!;
    const first = await filteredPage(listing(names), async (name) => name === last, 5, undefined);
    expect(first).toEqual({ items: [], next: names[MAX_SCANNED_PER_PAGE - 1] });
    expect(await filteredPage(listing(names), async (name) => name === last, 5, first.next)).toEqual({ items: [last] });
  });
});

describe('page requests', () => {
  it('clamps n to the page maximum and keeps last', () => {
    expect(parsePageRequest(new URLSearchParams('n=5000&last=b'), 'TAG_INVALID')).toEqual({ limit: MAX_PAGE_SIZE, last: 'b' });
    expect(parsePageRequest(new URLSearchParams(''), 'TAG_INVALID')).toEqual({ limit: MAX_PAGE_SIZE, last: undefined });
  });

  it('refuses an n that is not a non-negative integer', () => {
    expect(() => parsePageRequest(new URLSearchParams('n=-1'), 'TAG_INVALID')).toThrow(expect.objectContaining({ kind: 'PAGINATION_NUMBER_INVALID' }) as RegistryError);
  });

  it('writes the Link header as the spec shows it', () => {
    expect(nextLink('/v2/a/tags/list', 2, 'b')).toBe('</v2/a/tags/list?n=2&last=b>; rel="next"');
  });

  it('reads an empty last as none, and refuses a last longer than any name', () => {
    expect(parsePageRequest(new URLSearchParams('n=5&last=team%2Fapp'), 'NAME_INVALID')).toEqual({ limit: 5, last: 'team/app' });
    expect(parsePageRequest(new URLSearchParams('last='), 'NAME_INVALID')).toEqual({ limit: 1000, last: undefined });
    expect(parsePageRequest(new URLSearchParams(`last=${'a'.repeat(256)}`), 'NAME_INVALID').last).toHaveLength(256);
    expect(() => parsePageRequest(new URLSearchParams(`last=${'a'.repeat(257)}`), 'TAG_INVALID'))
      .toThrow(expect.objectContaining({ kind: 'TAG_INVALID', message: 'last must be at most 256 characters long; it is 257' }) as RegistryError);
  });
});
