import type { DynamoDocuments } from '../aws/dynamodb.js';
import type { BlobStore } from '../store/blob-store.js';
import { DynamoGcStore } from '../store/dynamo-gc-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { GarbageCollector } from './garbage-collector.js';

export interface GcComposition {
  dynamo: DynamoDocuments;
  table: string;
  store: MetadataStore;
  blobs: BlobStore;
  graceSeconds: number;
  now?: () => Date;
  log?: (message: string) => void;
}

/** The garbage collector over Berth's stores, as the jobs function, the management API and local mode run it. */
export function composeGarbageCollector(parts: GcComposition): GarbageCollector {
  return new GarbageCollector({
    store: parts.store,
    gc: new DynamoGcStore(parts.dynamo, parts.table),
    blobs: parts.blobs,
    graceSeconds: parts.graceSeconds,
    now: parts.now ?? (() => new Date()),
    ...(parts.log ? { log: parts.log } : {}),
  });
}
