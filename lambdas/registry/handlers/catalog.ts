import type { RouteHandler } from '../context.js';
import { filteredPage, nextLink, parsePageRequest } from '../pagination.js';
import { json } from './responses.js';

/**
 * GET /v2/_catalog: repository names in lexical order, read from the catalog
 * partition, never a scan. Only the repositories the caller may describe are
 * listed, by ECR's rule for DescribeRepositories: the caller's own policy (an
 * issued key's), the repository policy and the caller's account together.
 */
export const listCatalog: RouteHandler = async (context) => {
  const { limit, last } = parsePageRequest(context.request.query, 'NAME_INVALID');
  if (limit === 0) return json(200, { repositories: [] });
  const page = await filteredPage(
    (after, count) => context.services.store.listRepositories(after, count),
    (name) => context.may('ecr:DescribeRepositories', name),
    limit,
    last,
  );
  return json(200, { repositories: page.items }, page.next === undefined ? {} : { link: nextLink('/v2/_catalog', limit, page.next) });
};
