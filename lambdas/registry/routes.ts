import type { RouteHandler } from './context.js';
import { apiVersion } from './handlers/base.js';
import { deleteBlob, getBlob, headBlob } from './handlers/blobs.js';
import { listCatalog } from './handlers/catalog.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './handlers/manifests.js';
import { listReferrers } from './handlers/referrers.js';
import { listTags } from './handlers/tags.js';
import { appendChunk, cancelUpload, finishUpload, startUpload, uploadStatus } from './handlers/uploads.js';

/**
 * What a request needs: the ECR action it performs on its repository (the name
 * repository policies and token claims use), a signed-in caller, or a caller
 * of the registry's own account (for what spans every repository).
 */
export type Access = { action: string } | 'signed-in' | 'own-account';

export interface Endpoint {
  handler: RouteHandler;
  access: Access;
}

export interface Route {
  /** The spec's endpoint IDs (end-1 … end-14), for readers. */
  endpoints: string;
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Endpoint>>;
}

const pull = (handler: RouteHandler, action = 'ecr:BatchGetImage'): Endpoint => ({ handler, access: { action } });
const push = (handler: RouteHandler, action: string): Endpoint => ({ handler, access: { action } });
const remove = (handler: RouteHandler): Endpoint => ({ handler, access: { action: 'ecr:BatchDeleteImage' } });
const signedIn = (handler: RouteHandler): Endpoint => ({ handler, access: 'signed-in' });
const ownAccount = (handler: RouteHandler): Endpoint => ({ handler, access: 'own-account' });

/**
 * The OCI Distribution API as data. `name` is matched greedily: names contain
 * `/` and may even contain `manifests` or `blobs` as components, but a reference
 * never contains `/`, so the last marker splits name from reference. The router
 * then validates the name against the spec's grammar. Order matters: upload
 * routes come before the blob route, whose digest could otherwise read "uploads".
 */
export const ROUTES: Route[] = [
  { endpoints: 'end-1', pattern: /^\/v2\/?$/, methods: { GET: signedIn(apiVersion), HEAD: signedIn(apiVersion) } },
  { endpoints: 'catalog', pattern: /^\/v2\/_catalog$/, methods: { GET: ownAccount(listCatalog) } },
  { endpoints: 'end-8', pattern: /^\/v2\/(?<name>.+)\/tags\/list$/, methods: { GET: pull(listTags, 'ecr:ListImages') } },
  {
    endpoints: 'end-3, end-7, end-9',
    pattern: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/,
    methods: { GET: pull(getManifest), HEAD: pull(headManifest), PUT: push(putManifest, 'ecr:PutImage'), DELETE: remove(deleteManifest) },
  },
  { endpoints: 'end-12', pattern: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/, methods: { GET: pull(listReferrers) } },
  { endpoints: 'end-4, end-11', pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/?$/, methods: { POST: push(startUpload, 'ecr:InitiateLayerUpload') } },
  {
    endpoints: 'end-5, end-6, end-13',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/(?<session>[^/]+)$/,
    methods: {
      GET: push(uploadStatus, 'ecr:UploadLayerPart'),
      PATCH: push(appendChunk, 'ecr:UploadLayerPart'),
      PUT: push(finishUpload, 'ecr:CompleteLayerUpload'),
      DELETE: push(cancelUpload, 'ecr:UploadLayerPart'),
    },
  },
  {
    endpoints: 'end-2, end-10',
    pattern: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/,
    methods: { GET: pull(getBlob, 'ecr:GetDownloadUrlForLayer'), HEAD: pull(headBlob, 'ecr:BatchCheckLayerAvailability'), DELETE: remove(deleteBlob) },
  },
];

export type RouteMatch =
  | { kind: 'found'; endpoint: Endpoint; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export function matchRoute(method: string, path: string): RouteMatch {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const endpoint = route.methods[method as keyof Route['methods']];
    if (!endpoint) return { kind: 'method-not-allowed', allowed: Object.keys(route.methods) };
    return { kind: 'found', endpoint, params: { ...match.groups } };
  }
  return { kind: 'not-found' };
}
