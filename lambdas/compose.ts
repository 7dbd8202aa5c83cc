import type { DynamoDocuments } from './aws/dynamodb.js';
import type { S3Api } from './aws/s3.js';
import { RegistryTokens } from './auth/registry-tokens.js';
import type { TokenKeySource } from './auth/token-keys.js';
import { consoleSignIns } from './console/sign-in-factory.js';
import { DEFAULT_CONSOLE_SETTINGS, type ConsoleSettings } from './console/settings.js';
import { createManagementApp, type Authenticator } from './management/app.js';
import { AccessKeys } from './management/auth/access-keys.js';
import { sigv4Verifier, type KnownCredential } from './management/auth/sigv4-verifier.js';
import { stsCaller } from './management/auth/sts-caller.js';
import { stsIdentityVerifier, type StsSettings } from './auth/sts-identity.js';
import type { RegistryIdentity } from './management/identifiers.js';
import { createRegistryApp } from './registry/app.js';
import { UploadStateTokens } from './auth/upload-state.js';
import { createUploadGatewayApp } from './upload-gateway/app.js';
import type { RegistryConfig } from './registry/config.js';
import { Sealer } from './shared/crypto/sealer.js';
import type { HttpApp } from './shared/http/types.js';
import { DirectUploads } from './management/direct-uploads.js';
import { NO_EVENTS, type EventSink } from './events/event-sink.js';
import { RegistryEvents } from './events/registry-events.js';
import { DynamoWebhookStore } from './store/dynamo-webhook-store.js';
import { Deliverer } from './webhooks/deliverer.js';
import { DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from './webhooks/settings.js';
import type { PullThroughParts } from './pull-through/compose.js';
import { UpstreamSecretError, type UpstreamSecrets } from './pull-through/upstream-secrets.js';
import { DynamoCacheRuleStore } from './store/dynamo-cache-rule-store.js';
import { composeGarbageCollector } from './gc/compose.js';
import type { GarbageCollector } from './gc/garbage-collector.js';
import { DEFAULT_GC_GRACE_SECONDS } from './gc/settings.js';
import { DEFAULT_LIFECYCLE_PREVIEW_SECONDS } from './lifecycle/settings.js';
import { DynamoLifecyclePreviewStore } from './store/dynamo-lifecycle-preview-store.js';
import type { BlobStore } from './store/blob-store.js';
import type { MetadataStore } from './store/metadata-store.js';
import { DynamoAccessKeyStore } from './store/dynamo-access-key-store.js';
import { DynamoDirectUploadStore } from './store/dynamo-direct-upload-store.js';
import { DynamoMetadataStore } from './store/dynamo-metadata-store.js';
import { DynamoTemplateStore } from './store/dynamo-template-store.js';
import { RememberedCacheRules } from './store/remembered-cache-rules.js';
import { S3BlobStore } from './store/s3-blob-store.js';

/**
 * How Berth's apps are assembled from their parts, once for the Lambda
 * entrypoints and local mode alike; they differ only in the parts they pass.
 */
export interface BerthParts {
  dynamo: DynamoDocuments;
  s3: S3Api;
  table: string;
  bucket: string;
  identity: RegistryIdentity;
  registry: RegistryConfig;
  tokenKeys: TokenKeySource;
  tokenLifetimeSeconds: number;
  /** How long the registry remembers a repository's policy; see AccessControlConfig. */
  policyCacheSeconds: number;
  /** How long the registry remembers an issued access key; see AccessControlConfig. */
  accessKeyCacheSeconds: number;
  /** How many policies and access keys the registry remembers; see AccessControlConfig. */
  policyCacheEntries: number;
  /** Local mode: when remembered policies must be forgotten; see AccessControlConfig. */
  policyChanges?: (forget: () => void) => void;
  /** Local mode: tells of each write to the table, at which blob links read ahead are forgotten (ReadAheadLinks). */
  storeChanges?: (forget: () => void) => void;
  now?: () => Date;
  log?: (message: string, error: unknown) => void;
  /** How long garbage stays unused before it is collected; DEFAULT_GC_GRACE_SECONDS when absent (lambdas/gc/settings.ts). */
  gcGraceSeconds?: number;
  /** How long a lifecycle policy preview is answered; DEFAULT_LIFECYCLE_PREVIEW_SECONDS when absent (lambdas/lifecycle/settings.ts). */
  lifecyclePreviewSeconds?: number;
  /** Pull-through cache rules' credentials, timing and jobs; absent, no repository is a cache. */
  pullThrough?: Omit<PullThroughParts, 'rules'>;
  /** Where pushes, deletes and repository changes are announced; nowhere when absent. */
  events?: EventSink;
  /** How webhook deliveries are timed; DEFAULT_DELIVERY_SETTINGS when absent. */
  webhooks?: DeliverySettings;
  /** The blob store, when not S3BlobStore on `s3` and `bucket` (local mode's writes upload bodies to files). */
  blobs?: BlobStore;
}

function blobStore(parts: BerthParts): BlobStore {
  return parts.blobs ?? new S3BlobStore(parts.s3, parts.bucket);
}

export function registryTokens(parts: BerthParts): RegistryTokens {
  return new RegistryTokens(parts.tokenKeys, parts.identity.registryHost, parts.now ?? (() => new Date()));
}

/** Signs upload Locations on the registry and checks them on the upload gateway, with the token keys. */
function uploadStateTokens(parts: BerthParts): UploadStateTokens {
  return new UploadStateTokens(parts.tokenKeys, parts.identity.registryHost, parts.now ?? (() => new Date()));
}

/** The cache rules as every registry read consults them: remembered as repository policies are. */
function rememberedRules(parts: BerthParts): RememberedCacheRules {
  return new RememberedCacheRules(parts.dynamo, parts.table, parts.policyCacheSeconds * 1000, parts.policyChanges, parts.now && (() => parts.now!().getTime()));
}

/** What the registry function and the upload gateway both serve from. */
function serviceParts(parts: BerthParts) {
  return {
    store: new DynamoMetadataStore(parts.dynamo, parts.table),
    templates: new DynamoTemplateStore(parts.dynamo, parts.table),
    blobs: blobStore(parts),
    config: parts.registry,
    uploadState: uploadStateTokens(parts),
    ...(parts.pullThrough ? { pullThrough: { rules: rememberedRules(parts), ...parts.pullThrough } } : {}),
    ...(parts.now ? { now: parts.now } : {}),
    ...(parts.log ? { log: parts.log } : {}),
    ...(parts.events ? { events: parts.events } : {}),
    ...(parts.storeChanges ? { changes: parts.storeChanges } : {}),
  };
}

/** Signed webhook deliveries, recorded in the table: the delivery function, local mode and test deliveries send with it. */
export function webhookDeliverer(parts: BerthParts): Deliverer {
  return new Deliverer(new DynamoWebhookStore(parts.dynamo, parts.table), parts.webhooks ?? DEFAULT_DELIVERY_SETTINGS,
    { url: parts.identity.proxyEndpoint, host: parts.identity.registryHost }, parts.now ?? (() => new Date()));
}

export function composeRegistry(parts: BerthParts): HttpApp {
  return createRegistryApp({
    ...serviceParts(parts),
    accessKeys: new DynamoAccessKeyStore(parts.dynamo, parts.table),
    access: {
      tokens: registryTokens(parts),
      accountId: parts.identity.accountId,
      region: parts.identity.region,
      realm: parts.identity.proxyEndpoint,
      policyCacheSeconds: parts.policyCacheSeconds,
      accessKeyCacheSeconds: parts.accessKeyCacheSeconds,
      policyCacheEntries: parts.policyCacheEntries,
      ...(parts.policyChanges ? { policyChanges: parts.policyChanges } : {}),
    },
  });
}

export interface GatewayParts {
  /** Requests with a body one gateway serves at once. */
  maxUploads: number;
}

/** The upload gateway, over the same stores as the registry. */
export function composeUploadGateway(parts: BerthParts, gateway: GatewayParts): HttpApp {
  return createUploadGatewayApp({ ...serviceParts(parts), registryUrl: parts.identity.proxyEndpoint, maxUploads: gateway.maxUploads });
}

/** Direct uploads (berth push) as the management app runs them; local mode's sweeper expires them with the same. */
export function directUploads(parts: BerthParts, store = new DynamoMetadataStore(parts.dynamo, parts.table), blobs = blobStore(parts)): DirectUploads {
  return new DirectUploads(store, new DynamoDirectUploadStore(parts.dynamo, parts.table), blobs, parts.registry.downloadUrlSeconds,
    parts.now ?? (() => new Date()), parts.registry.directUploadSizes);
}

/** The garbage collector the management API and local mode's jobs run, over the given stores. */
export function garbageCollector(parts: BerthParts, store: MetadataStore, blobs: BlobStore): GarbageCollector {
  return composeGarbageCollector({
    dynamo: parts.dynamo, table: parts.table, store, blobs, graceSeconds: parts.gcGraceSeconds ?? DEFAULT_GC_GRACE_SECONDS,
    ...(parts.now ? { now: parts.now } : {}),
  });
}

export interface ManagementParts {
  /** Seals the secrets of issued access keys. */
  sealingKey: Buffer;
  /** Who calls the /iam routes: API Gateway's IAM authorizer on AWS, a SigV4 check locally. */
  authenticateIam: Authenticator;
  /** Keys other than issued ones that may sign for the service ecr (local mode's administrator). */
  extraCredential?: (accessKeyId: string) => KnownCredential | undefined;
  /** Lifetimes of the web console's sign-in links and sessions; DEFAULT_CONSOLE_SETTINGS when absent. */
  console?: ConsoleSettings;
  /** Where principals of other accounts are verified; absent, the STS token routes refuse everyone. */
  sts?: StsSettings;
}

/** Without pull-through parts, no secret can be read. */
const noSecrets: UpstreamSecrets = async (credentialArn) => {
  throw new UpstreamSecretError('not-found', credentialArn, `the secret ${credentialArn} does not exist: this registry reads no secrets`);
};

export function composeManagement(parts: BerthParts, management: ManagementParts): HttpApp {
  const now = parts.now ?? (() => new Date());
  const store = new DynamoMetadataStore(parts.dynamo, parts.table);
  const blobs = blobStore(parts);
  const accessKeys = new AccessKeys(new DynamoAccessKeyStore(parts.dynamo, parts.table), new Sealer(management.sealingKey), parts.identity, now);
  return createManagementApp({
    services: {
      store,
      templates: new DynamoTemplateStore(parts.dynamo, parts.table),
      blobs,
      identity: parts.identity,
      now,
      downloadUrlSeconds: parts.registry.downloadUrlSeconds,
      accessKeys,
      login: { tokens: registryTokens(parts), lifetimeSeconds: parts.tokenLifetimeSeconds, proxyEndpoint: parts.identity.proxyEndpoint },
      createOnPush: parts.registry.createOnPush,
      directUploads: directUploads(parts, store, blobs),
      garbageCollector: garbageCollector(parts, store, blobs),
      cacheRules: new DynamoCacheRuleStore(parts.dynamo, parts.table),
      upstreamSecrets: parts.pullThrough?.secrets ?? noSecrets,
      lifecyclePreviews: new DynamoLifecyclePreviewStore(parts.dynamo, parts.table),
      lifecyclePreviewSeconds: parts.lifecyclePreviewSeconds ?? DEFAULT_LIFECYCLE_PREVIEW_SECONDS,
      consoleSignIns: consoleSignIns(parts, (management.console ?? DEFAULT_CONSOLE_SETTINGS).signInLinkSeconds),
      events: new RegistryEvents(parts.events ?? NO_EVENTS, now),
      webhooks: webhookDeliverer(parts),
    },
    authenticateEcr: sigv4Verifier({
      region: parts.identity.region,
      services: ['ecr'],
      now,
      resolve: async (accessKeyId) => management.extraCredential?.(accessKeyId) ?? accessKeys.resolve(accessKeyId),
    }),
    authenticateIam: management.authenticateIam,
    authenticateSts: stsCaller(
      management.sts && stsIdentityVerifier({ ...management.sts, region: parts.identity.region, registryHost: parts.identity.registryHost, now }),
      parts.identity.accountId,
    ),
    ...(parts.log ? { log: parts.log } : {}),
  });
}
