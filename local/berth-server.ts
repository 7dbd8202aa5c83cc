import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryTokens } from '../lambdas/auth/registry-tokens.js';
import type { StsSettings } from '../lambdas/auth/sts-identity.js';
import type { TokenKeySource } from '../lambdas/auth/token-keys.js';
import { buildConsoleAssets } from '../console/build.js';
import { composeManagementWithConsole } from '../lambdas/console/compose.js';
import { identityOf } from '../lambdas/console/identity.js';
import type { ConsoleSettings } from '../lambdas/console/settings.js';
import { DEFAULT_CONSOLE_SETTINGS } from '../lambdas/console/settings.js';
import { consoleSignIns } from '../lambdas/console/sign-in-factory.js';
import { composeRegistry, composeUploadGateway, directUploads, garbageCollector, registryTokens, webhookDeliverer, type BerthParts } from '../lambdas/compose.js';
import { InProcessSink } from '../lambdas/events/in-process-sink.js';
import type { RegistryEvent } from '../lambdas/events/registry-event.js';
import { RegistryEvents } from '../lambdas/events/registry-events.js';
import { WebhookDispatcher } from '../lambdas/webhooks/dispatcher.js';
import { DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from '../lambdas/webhooks/settings.js';
import { TimerQueue } from '../lambdas/webhooks/timer-queue.js';
import { sigv4Verifier } from '../lambdas/management/auth/sigv4-verifier.js';
import { EcrError, ecrErrorResponse } from '../lambdas/management/errors.js';
import type { RegistryIdentity } from '../lambdas/management/identifiers.js';
import { managementTooLarge } from '../lambdas/management/too-large.js';
import { UploadService } from '../lambdas/registry/blobs/upload-service.js';
import type { RegistryConfig } from '../lambdas/registry/config.js';
import { errorResponse, RegistryError } from '../lambdas/registry/errors.js';
import { registryTooLarge } from '../lambdas/registry/too-large.js';
import { principalArn } from '../lambdas/shared/arns.js';
import { DynamoDocuments } from '../lambdas/aws/dynamodb.js';
import { S3Api } from '../lambdas/aws/s3.js';
import { serveStreaming } from '../lambdas/upload-gateway/http-server.js';
import type { HttpApp } from '../lambdas/shared/http/types.js';
import { DEFAULT_POLICY_CACHE_ENTRIES, DEFAULT_READ_AHEAD_SECONDS, DEFAULT_TOKEN_LIFETIME_SECONDS } from '../lambdas/shared/config.js';
import { lambdaHandler } from '../lambdas/shared/http/apigw.js';
import { MAX_REQUEST_BODY_BYTES } from '../lambdas/shared/limits.js';
import { DEFAULT_PULL_THROUGH_CONFIG, type PullThroughConfig } from '../lambdas/pull-through/config.js';
import { fileSecrets } from '../lambdas/pull-through/file-secrets.js';
import { InProcessJobs } from '../lambdas/pull-through/jobs.js';
import { DynamoMetadataStore } from '../lambdas/store/dynamo-metadata-store.js';
import { S3BlobStore } from '../lambdas/store/s3-blob-store.js';
import { generateKeyPair, type AccessKeyPair } from './admin-credentials.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './emulators/local-aws.js';
import { SpooledBlobStore } from './spooled-blob-store.js';
import { createLambdaServer, type LocalRoute } from './http-server.js';
import { RememberingDynamoDocuments } from './remembered-reads.js';
import { WatchedDynamoDocuments } from './watched-writes.js';
import { ensureBucket, ensureTable } from './provision.js';
import { reportLifecycle, reportSweep } from './job-report.js';
import { logRequests } from './request-log.js';
import { collectLocalGarbage, sweepExpiredUploads } from './sweeper.js';
import type { GcOutcome, GcRunOptions } from '../lambdas/gc/garbage-collector.js';
import { runLifecyclePolicies, type LifecycleRunReport } from '../lambdas/jobs/lifecycle-job.js';

/** Uploads the local gateway receives at once, as a gateway task on AWS by default. */
const DEFAULT_GATEWAY_UPLOADS = 32;

/** A signing key that lives as long as the process: tokens die with it. */
function inMemoryTokenKeys(): TokenKeySource {
  const keys = { current: { kid: randomUUID(), secret: randomBytes(32) }, previous: [] };
  return async () => keys;
}

export interface RegistryServerOptions {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** Local S3's spool directory (Emulators.s3SpoolDirectory): upload bodies are written there; absent, they go over S3's API as on AWS. */
  s3SpoolDirectory?: string;
  table: string;
  bucket: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  registry?: Partial<RegistryConfig>;
  /**
   * How often local mode does what DynamoDB's TTL, the bucket's lifecycle rules
   * and the scheduled jobs function do on AWS: sweep expired uploads and apply
   * lifecycle policies. 0 (the default) leaves them to explicit calls.
   */
  sweepIntervalMs?: number;
  /** How long garbage stays unused before it is collected (BERTH_GC_GRACE_SECONDS); 24 hours when absent. */
  gcGraceSeconds?: number;
  /** How long a lifecycle policy preview is answered (BERTH_LIFECYCLE_PREVIEW_SECONDS); 24 hours when absent. */
  lifecyclePreviewSeconds?: number;
  log?: (message: string) => void;
  /** Receives a line per request answered and per background job run that did something; absent, requests are not even timed. */
  activity?: (line: string) => void;
  /** The administrator's key for the management API; a fresh one when absent. */
  adminKey?: AccessKeyPair;
  /** Seals issued access-key secrets; a fresh one when absent. */
  sealingKey?: Buffer;
  /** Keys that sign registry tokens; a fresh in-memory key when absent. */
  tokenKeys?: TokenKeySource;
  tokenLifetimeSeconds?: number;
  /** How long the registry remembers repository policies (production: 10 s); 0 by default. */
  policyCacheSeconds?: number;
  /**
   * Forget remembered policies at each write to the table (./watched-writes.ts),
   * so changes made through this server apply at once whatever
   * policyCacheSeconds says (npm start, where this server makes every change).
   */
  forgetPoliciesOnChange?: boolean;
  /**
   * Remember DynamoDB's answers to item reads until this server writes anything
   * (./remembered-reads.ts): npm start, where nothing else writes its table.
   * Off for a table that others write too.
   */
  rememberReads?: boolean;
  /** The apps' clock (tokens, caches, expiries); the system clock when absent. Tests move it to cross a time limit without waiting. */
  now?: () => Date;
  /**
   * The upload gateway, on its own port as on AWS on its own host; false
   * keeps uploads on the API (its request limit then applies to them).
   */
  uploadGateway?: { port?: number; maxUploads?: number } | false;
  /** Where principals of other accounts are verified (BERTH_STS_ENDPOINT on AWS); absent, the STS token routes are off. */
  sts?: StsSettings;
  /** How webhook deliveries are timed (BERTH_WEBHOOK_* on AWS); DEFAULT_DELIVERY_SETTINGS for what is left out. */
  webhooks?: Partial<DeliverySettings>;
  /** Told of every event the registry announces (on AWS, what goes on the EventBridge bus), before webhooks get theirs. */
  observeEvents?: (event: RegistryEvent) => void;
  /** Lifetimes of the web console's sign-in links and sessions. */
  console?: ConsoleSettings;
  /**
   * Pull-through cache rules: where their credentials are (the secret ecr-pullthroughcache/hub is the
   * file <secretsDir>/ecr-pullthroughcache/hub; none without it) and how they are timed.
   */
  pullThrough?: { secretsDir?: string } & Partial<PullThroughConfig>;
  /** Sees the SDK clients before use, e.g. to count calls in benchmarks. */
  instrument?: (clients: { dynamo: DynamoDocuments; s3: S3Api }) => void;
}

export interface RunningRegistry {
  url: string;
  /** Where upload sessions continue, when the gateway runs. */
  gatewayUrl?: string;
  /** Where the local gateway itself listens, when it runs: gatewayUrl may name something in front of it. */
  gatewayListenUrl?: string;
  port: number;
  table: string;
  bucket: string;
  adminKey: AccessKeyPair;
  identity: RegistryIdentity;
  /** Issues registry tokens directly, for tests of what the token routes would hand out. */
  tokens: RegistryTokens;
  store: DynamoMetadataStore;
  blobs: S3BlobStore;
  sweep(now?: Date): Promise<number>;
  /** Waits for the pull-through cache's background jobs under way (storing blobs and images) to end. */
  pullThroughSettled(): Promise<void>;
  /** A one-time sign-in link to the web console for the local administrator (npm start prints one). */
  consoleSignIn(): Promise<{ signInUrl: string; expiresAt: Date }>;
  /** Runs (or previews) garbage collection, as the scheduled jobs function does after lifecycle policies. */
  collectGarbage(options?: GcRunOptions): Promise<GcOutcome>;
  /** Applies every repository's lifecycle policy, as the scheduled jobs function does. */
  runLifecyclePolicies(now?: Date): Promise<LifecycleRunReport>;
  stop(): Promise<void>;
}

/**
 * Berth's API as API Gateway routes it: /v2/ to the registry handler, the rest
 * to the management handler, served over HTTP against the given DynamoDB and S3 endpoints.
 */
export async function startBerthServer(options: RegistryServerOptions): Promise<RunningRegistry> {
  const dynamoOptions = { region: LOCAL_REGION, endpoint: options.dynamoEndpoint, credentials: LOCAL_CREDENTIALS };
  const dynamo = options.rememberReads ? new RememberingDynamoDocuments(dynamoOptions) : new WatchedDynamoDocuments(dynamoOptions);
  const s3 = new S3Api({ region: LOCAL_REGION, endpoint: options.s3Endpoint, credentials: LOCAL_CREDENTIALS });
  options.instrument?.({ dynamo, s3 });
  await ensureTable(dynamo, options.table);
  await ensureBucket(s3, options.bucket);

  const store = new DynamoMetadataStore(dynamo, options.table);
  const blobs = options.s3SpoolDirectory ? new SpooledBlobStore(s3, options.bucket, options.s3SpoolDirectory) : new S3BlobStore(s3, options.bucket);
  const config: RegistryConfig = {
    createOnPush: true,
    downloadUrlSeconds: 300,
    readAheadSeconds: DEFAULT_READ_AHEAD_SECONDS,
    uploadTtlSeconds: 24 * 3600,
    maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
    ...options.registry,
  };
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const adminKey = options.adminKey ?? generateKeyPair();
  const tokenKeys = options.tokenKeys ?? inMemoryTokenKeys();
  const administrator = { arn: principalArn({ accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION }, 'root'), accountId: LOCAL_ACCOUNT_ID };
  const adminCredential = (accessKeyId: string) => (accessKeyId === adminKey.accessKeyId
    ? { secretAccessKey: adminKey.secretAccessKey, principal: administrator }
    : undefined);

  // Both apps name the registry's host (in URIs and token audiences), known once the server listens.
  let routes: { registry: LocalRoute; management: LocalRoute } | undefined;
  const server = createLambdaServer((path) => (path === '/v2' || path.startsWith('/v2/') ? routes!.registry : routes!.management), log);
  await listen(server, options.port, host);
  const { port } = server.address() as AddressInfo;
  let gatewayApp: HttpApp | undefined;
  const gateway = options.uploadGateway === false ? undefined : serveStreaming((request) => gatewayApp!(request), log);
  if (options.activity) {
    logRequests(server, options.activity);
    if (gateway) logRequests(gateway, options.activity, ' (upload gateway)');
  }
  if (gateway) {
    await listen(gateway, options.uploadGateway ? options.uploadGateway.port ?? 0 : 0, host);
    config.uploadGatewayUrl ??= `http://${host}:${(gateway.address() as AddressInfo).port}`;
  }
  const identity: RegistryIdentity = {
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    registryHost: `${host}:${port}`,
    proxyEndpoint: `http://${host}:${port}`,
  };
  const pullThroughJobs = new InProcessJobs((message, error) => log(`${message}: ${String(error)}`));
  const { secretsDir, ...pullThroughTiming } = options.pullThrough ?? {};
  const consoleSettings = options.console ?? DEFAULT_CONSOLE_SETTINGS;
  // Webhooks are delivered from this process with the delivery function's code; a timer stands in for SQS's delays.
  const webhooks = { ...DEFAULT_DELIVERY_SETTINGS, ...options.webhooks };
  const retries: TimerQueue = new TimerQueue((job) => dispatcher.retry(job), log);
  const parts: BerthParts = {
    dynamo, s3, table: options.table, bucket: options.bucket, identity, registry: config, tokenKeys,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    // Local mode has no fleet of function instances to keep in step: policies apply at once unless asked otherwise.
    policyCacheSeconds: options.policyCacheSeconds ?? 0, accessKeyCacheSeconds: 0, policyCacheEntries: DEFAULT_POLICY_CACHE_ENTRIES,
    ...(options.forgetPoliciesOnChange ? { policyChanges: dynamo.onWrite } : {}),
    // This process makes every change there is, so what the registry read ahead is forgotten at each one.
    storeChanges: dynamo.onWrite,
    log: (message, error) => log(`${message}: ${String(error)}`),
    blobs,
    ...(options.now ? { now: options.now } : {}),
    ...(options.gcGraceSeconds === undefined ? {} : { gcGraceSeconds: options.gcGraceSeconds }),
    ...(options.lifecyclePreviewSeconds === undefined ? {} : { lifecyclePreviewSeconds: options.lifecyclePreviewSeconds }),
    pullThrough: { secrets: fileSecrets(secretsDir), config: { ...DEFAULT_PULL_THROUGH_CONFIG, ...pullThroughTiming }, inProcess: pullThroughJobs },
    events: new InProcessSink((event) => {
      options.observeEvents?.(event);
      return dispatcher.dispatch(event);
    }, log),
    webhooks,
  };
  const dispatcher: WebhookDispatcher = new WebhookDispatcher(webhookDeliverer(parts), retries, options.now ?? (() => new Date()));
  gatewayApp = composeUploadGateway(parts, { maxUploads: (options.uploadGateway && options.uploadGateway.maxUploads) || DEFAULT_GATEWAY_UPLOADS });
  routes = {
    registry: {
      handler: lambdaHandler(composeRegistry(parts)),
      tooLarge: registryTooLarge,
      internalError: () => errorResponse(new RegistryError('INTERNAL')),
    },
    management: {
      handler: lambdaHandler(composeManagementWithConsole(parts, {
        sealingKey: options.sealingKey ?? randomBytes(32),
        extraCredential: adminCredential,
        // What API Gateway's IAM authorizer does on AWS: verify the execute-api signature.
        authenticateIam: sigv4Verifier({ region: LOCAL_REGION, services: ['execute-api'], now: () => new Date(), resolve: async (id) => adminCredential(id) }),
        ...(options.sts ? { sts: options.sts } : {}),
        console: consoleSettings,
      }, await buildConsoleAssets())),
      tooLarge: managementTooLarge,
      internalError: () => ecrErrorResponse(new EcrError('ServerException', 'internal server error')),
    },
  };
  const tokens = registryTokens(parts);
  const adminSignIns = consoleSignIns(parts, consoleSettings.signInLinkSeconds);

  const clock = options.now ?? (() => new Date());
  const uploads = new UploadService(store, blobs, { uploadTtlSeconds: config.uploadTtlSeconds, now: clock });
  const swept = { store, uploads, directUploads: directUploads(parts, store, blobs) };
  const sweep = (now = clock()) => sweepExpiredUploads(swept, now);
  const collector = garbageCollector(parts, store, blobs);
  const lifecycle = (now = clock()) => runLifecyclePolicies(store, now, log, new RegistryEvents(parts.events!, clock));
  const interval = options.sweepIntervalMs
    ? setInterval(() => {
      void sweep().then((count) => reportSweep(count, options.activity), (error: unknown) => log(`upload sweep failed: ${String(error)}`));
      // Garbage collection after lifecycle policies, as the jobs function runs them: what they expire goes in the same round.
      void lifecycle().then((report) => reportLifecycle(report, options.activity), (error: unknown) => log(`lifecycle policies failed: ${String(error)}`))
        .then(() => collectLocalGarbage(collector, options.activity), (error: unknown) => log(`garbage collection failed: ${String(error)}`));
    }, options.sweepIntervalMs)
    : undefined;
  interval?.unref();

  return {
    url: `http://${host}:${port}`,
    ...(config.uploadGatewayUrl === undefined ? {} : { gatewayUrl: config.uploadGatewayUrl }),
    ...(gateway ? { gatewayListenUrl: `http://${host}:${(gateway.address() as AddressInfo).port}` } : {}),
    port,
    table: options.table,
    bucket: options.bucket,
    adminKey,
    identity,
    tokens,
    store,
    blobs,
    sweep,
    pullThroughSettled: () => pullThroughJobs.settled(),
    runLifecyclePolicies: lifecycle,
    collectGarbage: (run) => collector.run(run),
    consoleSignIn: () => adminSignIns.create(identityOf(administrator)),
    stop: async () => {
      if (interval) clearInterval(interval);
      retries.stop();
      for (const running of [server, gateway]) {
        if (!running) continue;
        running.closeAllConnections();
        await new Promise<void>((resolve) => running.close(() => resolve()));
      }
    },
  };
}

/** Listens, or fails (a port in use) instead of emitting an error nobody handles. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
