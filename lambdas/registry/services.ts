import type { UploadStateTokens } from '../auth/upload-state.js';
import { RegistryEvents } from '../events/registry-events.js';
import { NO_EVENTS, type EventSink } from '../events/event-sink.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { TemplateStore } from '../store/template-store.js';
import { ReadAheadLinks } from './blobs/read-ahead-links.js';
import { UploadService } from './blobs/upload-service.js';
import type { RegistryConfig } from './config.js';
import type { RegistryServices } from './context.js';
import { apiLocations, gatewayLocations } from './handlers/upload-locations.js';
import { ImageDeletions } from './manifests/image-deletions.js';
import { ManifestService } from './manifests/manifest-service.js';
import { Repositories } from './repositories.js';
import { createPullThrough, type PullThroughParts } from '../pull-through/compose.js';

/** What the registry's services are made of, in the registry function and the upload gateway alike. */
export interface ServiceDeps {
  store: MetadataStore;
  templates: TemplateStore;
  blobs: BlobStore;
  config: RegistryConfig;
  /** The registry's URL, where finished blobs are served. */
  registryUrl: string;
  /** Signs and checks upload Locations on the gateway; needed when config.uploadGatewayUrl is set. */
  uploadState?: UploadStateTokens;
  /** Pull-through cache rules and their upstream credentials; absent, no repository is a cache. */
  pullThrough?: PullThroughParts;
  /** Where pushes, deletes and repository changes are announced; nowhere when absent. */
  events?: EventSink;
  /** Local mode: tells of each change it made, after which what was read ahead is forgotten. */
  changes?: (forget: () => void) => void;
}

export function createRegistryServices(deps: ServiceDeps, now: () => Date): RegistryServices {
  const events = new RegistryEvents(deps.events ?? NO_EVENTS, now);
  const repositories = new Repositories(deps.store, deps.templates, deps.config.createOnPush, now, events);
  const { uploadGatewayUrl } = deps.config;
  if (uploadGatewayUrl !== undefined && !deps.uploadState) throw new Error('an upload gateway needs the state-token signer');
  const services: RegistryServices = {
    store: deps.store,
    blobs: deps.blobs,
    config: deps.config,
    repositories,
    uploads: new UploadService(deps.store, deps.blobs, {
      uploadTtlSeconds: deps.config.uploadTtlSeconds,
      now,
      ...(deps.config.uploadPartBytes === undefined ? {} : { partBytes: deps.config.uploadPartBytes }),
    }),
    manifests: new ManifestService(deps.store, deps.blobs, repositories, new ImageDeletions(deps.store, events), events, now),
    readAhead: new ReadAheadLinks(deps.store, deps.config.readAheadSeconds ?? 0, () => now().getTime(), deps.changes),
    locations: uploadGatewayUrl === undefined ? apiLocations : gatewayLocations(uploadGatewayUrl, deps.registryUrl, deps.uploadState!),
  };
  return deps.pullThrough ? { ...services, pullThrough: createPullThrough(deps.pullThrough, services, deps.templates, now).cache } : services;
}
