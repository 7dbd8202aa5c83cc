import type { Page } from '../store/records.js';
import { RegistryError, type OciErrorKind } from './errors.js';
import { MAX_NAME_LENGTH } from './grammar.js';

/** Most entries one tags-list or catalog page returns; larger `n` values are clamped and paged with Link. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Most names one filtered page looks at. Bounds the reads of a caller who may
 * see few entries of a long listing; past it, the page ends early and its Link
 * continues after the last name looked at.
 */
export const MAX_SCANNED_PER_PAGE = 5 * MAX_PAGE_SIZE;

export interface PageRequest {
  limit: number;
  last: string | undefined;
}

/**
 * Parses the spec's `n` and `last` query parameters. An empty `last` means none,
 * as in distribution. No name or tag is longer than MAX_NAME_LENGTH, so a longer
 * `last` is refused as `invalid` (the listing's own kind of name) before it
 * reaches a sort key, which DynamoDB caps at 1,024 bytes.
 */
export function parsePageRequest(query: URLSearchParams, invalid: Extract<OciErrorKind, 'NAME_INVALID' | 'TAG_INVALID'>): PageRequest {
  const n = query.get('n');
  const last = query.get('last') || undefined;
  if (last !== undefined && last.length > MAX_NAME_LENGTH) {
    throw new RegistryError(invalid, `last must be at most ${MAX_NAME_LENGTH} characters long; it is ${last.length}`, { last: `${last.slice(0, 64)}…` });
  }
  if (n === null || n === '') return { limit: MAX_PAGE_SIZE, last };
  if (!/^\d+$/.test(n)) {
    throw new RegistryError('PAGINATION_NUMBER_INVALID', `n must be a non-negative integer, got ${JSON.stringify(n)}`, { n });
  }
  return { limit: Math.min(Number(n), MAX_PAGE_SIZE), last };
}

/** A page of names a caller may see, and the name after which the next page starts, if one follows. */
export interface FilteredPage {
  items: string[];
  next?: string;
}

/**
 * Up to `limit` names that `visible` admits, in the listing's order after
 * `after`. Each read asks for no more names than the page still lacks, so a
 * full page ends on its last name; a page cut short by MAX_SCANNED_PER_PAGE
 * ends on the last name looked at, so paging never repeats or skips one.
 */
export async function filteredPage(
  list: (after: string | undefined, limit: number) => Promise<Page<string>>,
  visible: (name: string) => Promise<boolean>,
  limit: number,
  after: string | undefined,
): Promise<FilteredPage> {
  const items: string[] = [];
  let cursor = after;
  let scanned = 0;
  while (items.length < limit) {
    const page = await list(cursor, limit - items.length);
    const shown = await Promise.all(page.items.map(visible));
    items.push(...page.items.filter((_, index) => shown[index]));
    scanned += page.items.length;
    cursor = page.items.at(-1) ?? cursor;
    if (!page.more) return { items };
    if (scanned >= MAX_SCANNED_PER_PAGE) break;
  }
  return { items, next: cursor! };
}

/** RFC 5988 Link header for the next page, as the spec shows it. */
export function nextLink(path: string, limit: number, last: string): string {
  const query = new URLSearchParams({ n: String(limit), last });
  return `<${path}?${query.toString()}>; rel="next"`;
}
