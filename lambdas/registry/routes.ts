import type { RouteHandler } from './context.js';
import { apiVersion } from './handlers/base.js';
import { deleteBlob, getBlob, headBlob } from './handlers/blobs.js';
import { listCatalog } from './handlers/catalog.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './handlers/manifests.js';
import { listReferrers } from './handlers/referrers.js';
import { listTags } from './handlers/tags.js';
import { appendChunk, cancelUpload, finishUpload, startUpload, uploadStatus } from './handlers/uploads.js';

export interface Route {
  /** The spec's endpoint IDs (end-1 … end-14), for readers. */
  endpoints: string;
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', RouteHandler>>;
}

/**
 * The OCI Distribution API as data. `name` is matched greedily: names contain
 * `/` and may even contain `manifests` or `blobs` as components, but a reference
 * never contains `/`, so the last marker splits name from reference. The router
 * then validates the name against the spec's grammar. Order matters: upload
 * routes come before the blob route, whose digest could otherwise read "uploads".
 */
export const ROUTES: Route[] = [
  { endpoints: 'end-1', pattern: /^\/v2\/?$/, methods: { GET: apiVersion, HEAD: apiVersion } },
  { endpoints: 'catalog', pattern: /^\/v2\/_catalog$/, methods: { GET: listCatalog } },
  { endpoints: 'end-8', pattern: /^\/v2\/(?<name>.+)\/tags\/list$/, methods: { GET: listTags } },
  {
    endpoints: 'end-3, end-7, end-9',
    pattern: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/,
    methods: { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest },
  },
  { endpoints: 'end-12', pattern: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/, methods: { GET: listReferrers } },
  { endpoints: 'end-4, end-11', pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/?$/, methods: { POST: startUpload } },
  {
    endpoints: 'end-5, end-6, end-13',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/(?<session>[^/]+)$/,
    methods: { GET: uploadStatus, PATCH: appendChunk, PUT: finishUpload, DELETE: cancelUpload },
  },
  { endpoints: 'end-2, end-10', pattern: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/, methods: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob } },
];

export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export function matchRoute(method: string, path: string): RouteMatch {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const handler = route.methods[method as keyof Route['methods']];
    if (!handler) return { kind: 'method-not-allowed', allowed: Object.keys(route.methods) };
    return { kind: 'found', handler, params: { ...match.groups } };
  }
  return { kind: 'not-found' };
}
