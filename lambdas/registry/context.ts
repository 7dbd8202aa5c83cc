import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { HttpRequest, HttpResponse } from '../shared/http/types.js';
import type { UploadService } from './blobs/upload-service.js';
import type { RegistryConfig } from './config.js';
import type { ManifestService } from './manifests/manifest-service.js';
import type { Repositories } from './repositories.js';

/** What a route handler receives: the request, its path parameters and the app's services. */
export interface RouteContext {
  request: HttpRequest;
  params: Record<string, string>;
  services: RegistryServices;
  /** Whether the caller may perform an ECR action on another repository (a mount's source). */
  may: (action: string, repository: string) => Promise<boolean>;
}

export interface RegistryServices {
  store: MetadataStore;
  blobs: BlobStore;
  config: RegistryConfig;
  repositories: Repositories;
  uploads: UploadService;
  manifests: ManifestService;
}

export type RouteHandler = (context: RouteContext) => Promise<HttpResponse>;

/** The name path parameter, present on every repository-scoped route and validated by the router. */
export function repositoryName(context: RouteContext): string {
  return context.params.name!;
}
