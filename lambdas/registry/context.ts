import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { HttpRequest, HttpResponse } from '../shared/http/types.js';
import type { ReadAheadLinks } from './blobs/read-ahead-links.js';
import type { UploadService } from './blobs/upload-service.js';
import type { RegistryConfig } from './config.js';
import type { ManifestService } from './manifests/manifest-service.js';
import type { PullThroughCache } from '../pull-through/pull-through-cache.js';
import type { Repositories } from './repositories.js';
import type { UploadLocations } from './handlers/upload-locations.js';

/** What a route handler receives: the request, its path parameters and the app's services. */
export interface RouteContext {
  request: HttpRequest;
  params: Record<string, string>;
  services: RegistryServices;
  /** Whether the caller may perform an ECR action on another repository (a mount's source). */
  may: (action: string, repository: string) => Promise<boolean>;
  /** Who is calling, for what the registry records or signs on their behalf; undefined when anonymous. */
  callerArn?: string;
}

export interface RegistryServices {
  store: MetadataStore;
  blobs: BlobStore;
  config: RegistryConfig;
  repositories: Repositories;
  uploads: UploadService;
  manifests: ManifestService;
  locations: UploadLocations;
  /** Blob links a manifest GET read for the blob GETs that follow it. */
  readAhead: ReadAheadLinks;
  /** Pull-through cache rules: reads in the repositories they cover fetch from the upstream; absent, there are none. */
  pullThrough?: PullThroughCache;
}

export type RouteHandler = (context: RouteContext) => Promise<HttpResponse>;

/** The name path parameter, present on every repository-scoped route and validated by the router. */
export function repositoryName(context: RouteContext): string {
  return context.params.name!;
}
