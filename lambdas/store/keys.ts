/**
 * Every DynamoDB key and S3 object key Berth uses is built and parsed here.
 *
 * DynamoDB: one table, partition key `pk`, sort key `sk`.
 *
 *   pk                    sk                              item
 *   CATALOG               <repository name>               catalog entry: lists repositories in lexical order
 *   REPO#<name>           REPO                            repository record
 *   REPO#<name>           TAG#<tag>                       tag → manifest digest, with the manifest inline
 *                                                         (a tag pull is one read)
 *   REPO#<name>           MANIFEST#<digest>               manifest record, with `tags`: a string set of the tags that
 *                                                         point at it, kept with the tag items in each transaction
 *                                                         (listings page these items in digest order)
 *   REPO#<name>           BLOB#<digest>                   blob link: the repository may serve this blob
 *                                                         (carries size and object key: a blob pull is one read)
 *   REPO#<name>           REFERRER#<subject>#<digest>     referrers-API descriptor of a manifest with a subject
 *   REPO#<name>           LIFECYCLEPREVIEW                the last lifecycle policy preview (its id, policy and count), expired by TTL
 *   REPO#<name>           LIFECYCLEPREVIEW#<id>#<digest>  an image that preview would expire, expired by TTL
 *   REPO#<name>           UPSTREAMTAG#<tag>               pull-through cache: the digest the upstream tag named when last checked
 *   REPO#<name>           UPSTREAMMANIFEST#<digest>       pull-through cache: a manifest fetched from the upstream, served until
 *                                                         its image is stored whole (bytes inline, or in S3 when too large)
 *   BLOB#<digest>         BLOB                            blob record: the bytes exist in S3
 *   BLOB#<digest>         LINK#<name>                     reverse link: which repositories hold the blob
 *   UPLOAD#<id>           UPLOAD                          upload session, expired by TTL (`expiresAt`)
 *   ACCESSKEY#<key id>    KEY                             access key issued for ECR tooling (secret sealed)
 *   ACCESSKEYS            <key id>                        index entry: lists the issued keys
 *   TEMPLATES             <prefix>                        repository creation template (ROOT: the default)
 *   PULLTHROUGHRULES      <ecr repository prefix>         pull-through cache rule
 *   DIRECTUPLOAD#<id>     DIRECT                          upload straight to S3 (berth push), expired by TTL
 *   MANIFESTOBJECT#<digest> REPO#<name>                   the repository's manifest record keeps its bytes at manifests/<digest>
 *   GCQUEUE#<shard>       BLOB#<digest>                   garbage collection: a blob whose last link may have gone
 *   GCQUEUE#<shard>       MANIFEST#<digest>               garbage collection: a manifest object whose last record may have gone
 *   GCQUEUE#<shard>       OBJECT#<object key>             garbage collection: an object to delete, or an upload's object to
 *                                                         delete unless a blob record adopted it
 *   GC                    CURSOR                          where the scheduled collector's pass resumes
 *   GC                    STORED#<shard>                  bytes of the blob records, a counter kept in shards
 *   WEBHOOKS              <name>                          webhook subscription (its secret, URL and filters)
 *   WEBHOOK#<name>        DELIVERY#<time>#<event id>#<n>  a delivery attempt, newest last, expired by TTL
 *   CONSOLESIGNIN#<hash>  SIGNIN                          unused web-console sign-in link (SHA-256 of its code), expired by TTL
 *
 * Blob records and blob links carry `touchedAt` (epoch milliseconds): when a write or a read that a
 * push relies on last used them. The garbage collector deletes only what nobody touched for its
 * grace period (lambdas/store/gc-touch.ts).
 *
 * S3 (one bucket):
 *
 *   blobs/<algorithm>/<hex>        a blob uploaded in one piece before each object got a key of its own
 *                                  (records may still point at such keys; none is written any more)
 *   blobs/uploads/<id>             a blob: assembled by multipart upload, uploaded straight to S3 by a
 *                                  client (berth push), or put in one piece under an id of its own; its
 *                                  record points at it. A key never serves two records: once its
 *                                  record is garbage-collected, nothing writes it again. An upload straight
 *                                  to S3 carries PENDING_UPLOAD_TAG until the registry has verified it;
 *                                  the bucket's lifecycle rule expires what an abandoned one leaves.
 *                                  Its PUT only creates, so a URL used again cannot touch a served blob
 *   manifests/<algorithm>/<hex>    a manifest too large for a DynamoDB item
 *   uploads/<upload id>/<nonce>    bytes of an unfinished upload not yet large enough for a part;
 *                                  the bucket's lifecycle rule expires what an abandoned upload leaves
 */

const SEP = '#';

export const keys = {
  catalogEntry: (name: string) => ({ pk: 'CATALOG', sk: name }),
  catalogPartition: 'CATALOG',

  repository: (name: string) => ({ pk: repoPk(name), sk: 'REPO' }),
  repositoryPartition: (name: string) => repoPk(name),

  tag: (name: string, tag: string) => ({ pk: repoPk(name), sk: `TAG${SEP}${tag}` }),
  tagPrefix: `TAG${SEP}`,
  tagFromSortKey: (sk: string) => sk.slice(`TAG${SEP}`.length),

  manifest: (name: string, digest: string) => ({ pk: repoPk(name), sk: `MANIFEST${SEP}${digest}` }),
  manifestPrefix: `MANIFEST${SEP}`,

  blobLink: (name: string, digest: string) => ({ pk: repoPk(name), sk: `BLOB${SEP}${digest}` }),
  isBlobLink: (sk: string) => sk.startsWith(`BLOB${SEP}`),

  referrer: (name: string, subject: string, digest: string) => ({
    pk: repoPk(name),
    sk: `REFERRER${SEP}${subject}${SEP}${digest}`,
  }),
  referrerPrefix: (subject: string) => `REFERRER${SEP}${subject}${SEP}`,

  lifecyclePreview: (name: string) => ({ pk: repoPk(name), sk: 'LIFECYCLEPREVIEW' }),
  lifecyclePreviewResult: (name: string, previewId: string, digest: string) => ({ pk: repoPk(name), sk: `LIFECYCLEPREVIEW${SEP}${previewId}${SEP}${digest}` }),
  lifecyclePreviewResultPrefix: (previewId: string) => `LIFECYCLEPREVIEW${SEP}${previewId}${SEP}`,

  blob: (digest: string) => ({ pk: blobPk(digest), sk: 'BLOB' }),
  blobReverseLink: (digest: string, name: string) => ({ pk: blobPk(digest), sk: `LINK${SEP}${name}` }),
  blobPartition: (digest: string) => blobPk(digest),
  reverseLinkPrefix: `LINK${SEP}`,
  repositoryFromReverseLink: (sk: string) => sk.slice(`LINK${SEP}`.length),

  accessKey: (id: string) => ({ pk: `ACCESSKEY${SEP}${id}`, sk: 'KEY' }),
  accessKeyIndexEntry: (id: string) => ({ pk: 'ACCESSKEYS', sk: id }),
  accessKeyIndexPartition: 'ACCESSKEYS',

  creationTemplate: (prefix: string) => ({ pk: 'TEMPLATES', sk: prefix }),
  creationTemplatePartition: 'TEMPLATES',

  cacheRule: (prefix: string) => ({ pk: 'PULLTHROUGHRULES', sk: prefix }),
  cacheRulePartition: 'PULLTHROUGHRULES',
  upstreamTag: (name: string, tag: string) => ({ pk: repoPk(name), sk: `UPSTREAMTAG${SEP}${tag}` }),
  upstreamManifest: (name: string, digest: string) => ({ pk: repoPk(name), sk: `UPSTREAMMANIFEST${SEP}${digest}` }),

  directUpload: (id: string) => ({ pk: `DIRECTUPLOAD${SEP}${id}`, sk: 'DIRECT' }),
  directUploadPartitionPrefix: `DIRECTUPLOAD${SEP}`,

  consoleSignIn: (codeHash: string) => ({ pk: `CONSOLESIGNIN${SEP}${codeHash}`, sk: 'SIGNIN' }),

  upload: (id: string) => ({ pk: `UPLOAD${SEP}${id}`, sk: 'UPLOAD' }),
  uploadPartitionPrefix: `UPLOAD${SEP}`,

  webhook: (name: string) => ({ pk: 'WEBHOOKS', sk: name }),
  webhookPartition: 'WEBHOOKS',
  webhookDelivery: (name: string, at: string, eventId: string, attempt: number) => ({
    pk: webhookPk(name),
    sk: `DELIVERY${SEP}${at}${SEP}${eventId}${SEP}${attempt}`,
  }),
  webhookDeliveryPartition: (name: string) => webhookPk(name),
  webhookDeliveryPrefix: `DELIVERY${SEP}`,

  manifestObjectRef: (digest: string, name: string) => ({ pk: `MANIFESTOBJECT${SEP}${digest}`, sk: repoPk(name) }),
  manifestObjectPartition: (digest: string) => `MANIFESTOBJECT${SEP}${digest}`,

  gcQueuedBlob: (digest: string) => gcQueued(`BLOB${SEP}${digest}`),
  gcQueuedManifest: (digest: string) => gcQueued(`MANIFEST${SEP}${digest}`),
  gcQueuedObject: (objectKey: string) => gcQueued(`OBJECT${SEP}${objectKey}`),
  gcQueuePartition: (shard: number) => `GCQUEUE${SEP}${shard}`,
  /** What a queue entry's sort key names, by kind. */
  gcQueueEntry: (sk: string): { kind: GcQueueKind; id: string } => {
    const at = sk.indexOf(SEP);
    return { kind: sk.slice(0, at) as GcQueueKind, id: sk.slice(at + 1) };
  },
  gcCursor: { pk: 'GC', sk: 'CURSOR' },
  gcStoredBytes: (shard: number) => ({ pk: 'GC', sk: `STORED${SEP}${shard}` }),
  gcPartition: 'GC',
  gcStoredBytesPrefix: `STORED${SEP}`,
};

export type GcQueueKind = 'BLOB' | 'MANIFEST' | 'OBJECT';

/**
 * The garbage collector's queue and byte counters are spread over this many partitions, so that
 * pushes and deletes across the registry do not all write one partition.
 */
export const GC_SHARDS = 8;

/** The shard of a queue entry or counter: a stable hash of its identity. */
export function gcShard(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i += 1) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % GC_SHARDS;
}

function gcQueued(sk: string): { pk: string; sk: string } {
  return { pk: `GCQUEUE${SEP}${gcShard(sk)}`, sk };
}

function repoPk(name: string): string {
  return `REPO${SEP}${name}`;
}

function webhookPk(name: string): string {
  return `WEBHOOK${SEP}${name}`;
}

function blobPk(digest: string): string {
  return `BLOB${SEP}${digest}`;
}

function digestPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}/${hex}`;
}

export const objectKeys = {
  blob: (digest: string) => `blobs/${digestPath(digest)}`,
  assembledBlob: (uploadId: string) => `blobs/uploads/${uploadId}`,
  manifest: (digest: string) => `manifests/${digestPath(digest)}`,
  uploadPending: (uploadId: string, nonce: string) => `uploads/${uploadId}/${nonce}`,
  uploadsPrefix: 'uploads/',
};

/**
 * The object tag of an upload a client makes straight to S3, from its first byte until the
 * registry has verified and adopted the object: the bucket's lifecycle rule expires objects that
 * still carry it, so an upload never completed leaves nothing behind.
 */
export const PENDING_UPLOAD_TAG = { key: 'berth-upload', value: 'pending' } as const;
