import { repositoryName, type RouteHandler } from '../context.js';
import { nextLink, parsePageRequest } from '../pagination.js';
import { json } from './responses.js';

/** GET /v2/<name>/tags/list: tags in lexical order, paged with `n`, `last` and Link. */
export const listTags: RouteHandler = async (context) => {
  const name = repositoryName(context);
  const { limit, last } = parsePageRequest(context.request.query, 'TAG_INVALID');
  await context.services.repositories.require(name);
  const page = limit === 0 ? { items: [], more: false } : await context.services.store.listTags(name, last, limit);
  const headers: Record<string, string> = page.more ? { link: nextLink(`/v2/${name}/tags/list`, limit, page.items.at(-1)!) } : {};
  return json(200, { name, tags: page.items }, headers);
};
