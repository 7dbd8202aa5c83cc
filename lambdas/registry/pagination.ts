import { RegistryError } from './errors.js';

/** Most entries one tags-list or catalog page returns; larger `n` values are clamped and paged with Link. */
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  limit: number;
  last: string | undefined;
}

/** Parses the spec's `n` and `last` query parameters. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  const n = query.get('n');
  const last = query.get('last') ?? undefined;
  if (n === null || n === '') return { limit: MAX_PAGE_SIZE, last };
  if (!/^\d+$/.test(n)) {
    throw new RegistryError('PAGINATION_NUMBER_INVALID', `n must be a non-negative integer, got ${JSON.stringify(n)}`, { n });
  }
  return { limit: Math.min(Number(n), MAX_PAGE_SIZE), last };
}

/** RFC 5988 Link header for the next page, as the spec shows it. */
export function nextLink(path: string, limit: number, last: string): string {
  const query = new URLSearchParams({ n: String(limit), last });
  return `<${path}?${query.toString()}>; rel="next"`;
}
