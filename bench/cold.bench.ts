import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { actionsFor } from '../lambdas/auth/actions.js';
import type { TokenKeySource } from '../lambdas/auth/token-keys.js';
import { awsParts } from '../lambdas/aws-parts.js';
import { composeRegistry, type BerthParts } from '../lambdas/compose.js';
import { DynamoDocuments } from '../lambdas/aws/dynamodb.js';
import { S3Api } from '../lambdas/aws/s3.js';
import { parseEnvironment } from '../lambdas/shared/config.js';
import { lambdaHandler } from '../lambdas/shared/http/apigw.js';
import { eventFromRequest } from '../local/apigw-event.js';
import { startBerthServer } from '../local/berth-server.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/emulators/local-aws.js';
import { RegistryClient } from '../test/support/client.js';
import { ociImage } from '../test/support/oci.js';
import { buildBareClient, buildFunctionBundles, type BuiltBundle } from './support/bundles.js';
import { medianInit, type InitTime } from './support/module-init.js';
import { RecordedAws } from './support/recorded-aws.js';
import { runBench } from './support/run.js';
import { fixed, formatTable, printSection } from './support/table.js';

/**
 * `npm run bench:cold`: what a cold start and a request cost the functions.
 *
 * 1. Each function's bundle, built as `cdk deploy` builds it: its size, the AWS SDK's share, and
 *    its module-init time (the median of fresh Node.js processes importing it), beside bundles
 *    of a bare SDK client as the baseline; and the same with source-mapped stack traces on.
 * 2. CPU per request on the registry's hot paths, through the Lambda handler as API Gateway
 *    invokes it, with the stores answering from memory (DynamoDB's and S3's answers recorded
 *    from the emulators, then replayed): what Lambda bills beyond waiting for DynamoDB and S3.
 */

const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 11);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
/** Each path is timed once per round, the paths in turn; the median round counts. */
const ROUNDS = 3;
/** The init goal for the registry function, on this machine. */
const REGISTRY_INIT_GOAL_MS = 100;

const HANDLERS: Record<string, string> = Object.fromEntries(
  ['registry', 'management', 'jobs', 'pull-through', 'rotation', 'webhooks']
    .map((name) => [name, `lambdas/${name}/handler.ts`] as const)
    .filter(([, entry]) => existsSync(join(import.meta.dirname, '..', entry))),
);

const BARE_CLIENTS: Record<string, string> = {
  'bare DynamoDB client': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const client = new DynamoDBClient({});",
  'bare S3 client': "import { S3Client } from '@aws-sdk/client-s3'; export const client = new S3Client({});",
};

/** What the functions find in their environment in Lambda; the secrets are never reached before init ends. */
function functionEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'AKIABENCHFUNCTION001',
    AWS_SECRET_ACCESS_KEY: 'bench-function-secret',
    AWS_SESSION_TOKEN: 'bench-function-session',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    BERTH_ACCOUNT_ID: '123456789012',
    BERTH_TABLE: 'table',
    BERTH_BUCKET: 'bucket',
    BERTH_REGISTRY_HOST: 'registry.example.com',
    BERTH_TOKEN_SECRET_ARN: 'token-secret',
    BERTH_SEALING_SECRET_ARN: 'sealing-secret',
    BERTH_STS_ENDPOINT: 'https://sts.us-east-1.amazonaws.com',
    BERTH_WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/webhooks',
  };
}

const kib = (bytes: number) => fixed(bytes / 1024, 0);

async function initTable(bundles: BuiltBundle[], env: NodeJS.ProcessEnv): Promise<{ table: string; registryInit?: InitTime }> {
  const rows: string[][] = [];
  let registryInit: InitTime | undefined;
  for (const bundle of bundles) {
    const sizes = [bundle.name, kib(bundle.bytes), kib(bundle.sdkBytes), fixed((bundle.sdkBytes / bundle.bytes) * 100, 0)];
    try {
      const plain = await medianInit(bundle.file, env, INIT_RUNS);
      const mapped = await medianInit(bundle.file, env, INIT_RUNS, ['--enable-source-maps']);
      if (bundle.name === 'registry') registryInit = plain;
      rows.push([...sizes, fixed(plain.wallMs), fixed(plain.cpuMs), fixed(mapped.wallMs), fixed(mapped.cpuMs)]);
    } catch (error) {
      rows.push([...sizes, 'fails', '', (error as Error).message.replace(/^.*did not start/, 'did not start').slice(0, 60)]);
    }
  }
  return {
    table: formatTable(['bundle', 'KiB', 'SDK KiB', 'SDK %', 'init ms', 'init CPU ms', 'source maps on: init ms', 'CPU ms'], rows, ['left']),
    ...(registryInit === undefined ? {} : { registryInit }),
  };
}

/** A request as API Gateway hands it to the function. */
function event(method: string, path: string, headers: Record<string, string>) {
  const request = { method, url: path, headers: { host: 'registry.example.com', ...headers }, httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1' } };
  return eventFromRequest(request as unknown as IncomingMessage, Buffer.alloc(0));
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function hotPaths(emulators: { dynamoEndpoint: string; s3Endpoint: string }): Promise<string> {
  const key = { kid: randomUUID(), secret: randomBytes(32) };
  const tokenKeys: TokenKeySource = async () => ({ current: key, previous: [] });
  const id = randomUUID().slice(0, 8);
  const server = await startBerthServer({ ...emulators, table: `bench-${id}`, bucket: `bench-${id}`, port: 0, uploadGateway: false, tokenKeys });
  try {
    const image = ociImage();
    const admin = async (classes = actionsFor(['pull', 'push', 'delete'])) => (await server.tokens.issue({
      principalArn: `arn:aws:iam::${server.identity.accountId}:role/bench`, accountId: server.identity.accountId, actions: classes,
    }, 3600)).token;
    const pushToken = await admin();
    await new RegistryClient(server.url, async () => `Bearer ${pushToken}`).pushImage('bench/app', 'v1', image);

    // The registry function as deployed (production settings), over clients whose answers come from memory once recorded.
    const recorded = new RecordedAws();
    const clientOptions = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler: recorded };
    const config = parseEnvironment({ ...functionEnvironment(''), BERTH_TABLE: server.table, BERTH_BUCKET: server.bucket, BERTH_REGISTRY_HOST: server.identity.registryHost });
    const parts: BerthParts = {
      ...awsParts(config),
      dynamo: new DynamoDocuments({ ...clientOptions, endpoint: emulators.dynamoEndpoint }),
      s3: new S3Api({ ...clientOptions, endpoint: emulators.s3Endpoint }),
      identity: { ...server.identity, accountId: server.identity.accountId },
      tokenKeys,
    };
    const handler = lambdaHandler(composeRegistry(parts));
    const pullToken = await admin(actionsFor(['pull']));
    const bearer = { authorization: `Bearer ${pullToken}` };
    const freshTokens = await Promise.all(Array.from({ length: REQUESTS }, () => admin(actionsFor(['pull']))));
    let fresh = 0;
    const paths: { name: string; request: () => ReturnType<typeof event>; status: number }[] = [
      { name: 'manifest HEAD by tag', request: () => event('HEAD', '/v2/bench/app/manifests/v1', { ...bearer, accept: image.manifest.mediaType }), status: 200 },
      { name: 'manifest GET by tag', request: () => event('GET', '/v2/bench/app/manifests/v1', { ...bearer, accept: image.manifest.mediaType }), status: 200 },
      { name: 'blob GET (307 to S3)', request: () => event('GET', `/v2/bench/app/blobs/${image.layers[0]!.digest}`, bearer), status: 307 },
      { name: 'token check (GET /v2/)', request: () => event('GET', '/v2/', bearer), status: 200 },
      { name: 'token check, first use of a token', request: () => event('GET', '/v2/', { authorization: `Bearer ${freshTokens[fresh++ % freshTokens.length]}` }), status: 200 },
    ];
    // Record DynamoDB's and S3's answers once, then answer from memory.
    for (const path of paths) {
      const result = await handler(path.request());
      if (result.statusCode !== path.status) throw new Error(`${path.name} answered ${result.statusCode}: ${String(result.body).slice(0, 200)}`);
    }
    recorded.replay();
    fresh = 0;
    // The first requests of an instance compile its code; the table is about the ones after.
    for (const path of paths) for (let warm = 0; warm < 200; warm += 1) await handler(path.request());
    const rounds = new Map<string, { cpu: number; wall: number }[]>();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const path of paths) {
        const events = Array.from({ length: REQUESTS }, () => path.request());
        const started = cpuMicros();
        const wall = performance.now();
        for (const request of events) {
          const result = await handler(request);
          if (result.statusCode !== path.status) throw new Error(`${path.name} answered ${result.statusCode}`);
        }
        const measured = { cpu: (cpuMicros() - started) / events.length, wall: ((performance.now() - wall) * 1000) / events.length };
        rounds.set(path.name, [...(rounds.get(path.name) ?? []), measured]);
      }
    }
    const rows = paths.map((path) => {
      const { cpu, wall } = rounds.get(path.name)!.sort((a, b) => a.cpu - b.cpu)[Math.floor(ROUNDS / 2)]!;
      return [path.name, fixed(cpu, 0), fixed(wall, 0), fixed(1e6 / cpu, 0)];
    });
    return formatTable(['request', 'CPU µs', 'wall µs', 'requests per CPU second'], rows, ['left']);
  } finally {
    await server.stop();
  }
}

runBench('berth-cold-bench', async (emulators, scratch) => {
  const dir = join(scratch, 'bundles');
  const bundles = await buildFunctionBundles(HANDLERS, dir);
  for (const [name, source] of Object.entries(BARE_CLIENTS)) bundles.push(await buildBareClient(name, source, dir));
  const { table, registryInit } = await initTable(bundles, functionEnvironment(scratch));
  printSection(`Bundles and module init (median of ${INIT_RUNS} fresh processes, Node.js ${process.version}, load ${fixed(loadavg()[0]!, 2)})`, table);
  if (registryInit !== undefined) {
    const met = Math.max(registryInit.wallMs, registryInit.cpuMs) <= REGISTRY_INIT_GOAL_MS;
    console.log(`\nregistry init ${fixed(registryInit.wallMs)} ms (${fixed(registryInit.cpuMs)} ms of CPU); goal ${REGISTRY_INIT_GOAL_MS} ms: ${met ? 'met' : 'not met'}`);
  }
  printSection(`CPU per request, stores answering from memory (median of ${ROUNDS} rounds of ${REQUESTS} requests, load ${fixed(loadavg()[0]!, 2)})`,
    await hotPaths({ dynamoEndpoint: emulators.dynamoEndpoint, s3Endpoint: emulators.s3Endpoint }));
});
