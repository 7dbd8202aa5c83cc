import type { RouteHandler } from '../context.js';
import { nextLink, parsePageRequest } from '../pagination.js';
import { json } from './responses.js';

/** GET /v2/_catalog: repository names in lexical order, read from the catalog partition, never a scan. */
export const listCatalog: RouteHandler = async (context) => {
  const { limit, last } = parsePageRequest(context.request.query);
  const page = limit === 0 ? { items: [], more: false } : await context.services.store.listRepositories(last, limit);
  const headers: Record<string, string> = page.more ? { link: nextLink('/v2/_catalog', limit, page.items.at(-1)!) } : {};
  return json(200, { repositories: page.items }, headers);
};
