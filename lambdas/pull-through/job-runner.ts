import type { BerthParts } from '../compose.js';
import { createRegistryServices } from '../registry/services.js';
import { DynamoCacheRuleStore } from '../store/dynamo-cache-rule-store.js';
import { DynamoMetadataStore } from '../store/dynamo-metadata-store.js';
import { DynamoTemplateStore } from '../store/dynamo-template-store.js';
import { S3BlobStore } from '../store/s3-blob-store.js';
import { createPullThrough } from './compose.js';
import type { ImageImport } from './image-import.js';

/**
 * What the pull-through function runs: the cache's jobs, over the registry's own stores and
 * push code, so that a stored image is announced and kept as a pushed one is.
 */
export function composeImageImport(parts: BerthParts): ImageImport {
  if (!parts.pullThrough) throw new Error('the pull-through function needs the pull-through parts (credentials and timing)');
  const now = parts.now ?? (() => new Date());
  const templates = new DynamoTemplateStore(parts.dynamo, parts.table);
  const services = createRegistryServices({
    store: new DynamoMetadataStore(parts.dynamo, parts.table),
    templates,
    blobs: new S3BlobStore(parts.s3, parts.bucket),
    config: parts.registry,
    registryUrl: parts.identity.proxyEndpoint,
    ...(parts.events ? { events: parts.events } : {}),
  }, now);
  return createPullThrough({ ...parts.pullThrough, rules: new DynamoCacheRuleStore(parts.dynamo, parts.table) }, services, templates, now, parts.log).importer;
}
