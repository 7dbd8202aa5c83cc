import type { AddressInfo } from 'node:net';
import { composeUploadGateway } from '../../lambdas/compose.js';
import type { RegistryConfig } from '../../lambdas/registry/config.js';
import { DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import { S3Api } from '../../lambdas/aws/s3.js';
import type { HttpApp } from '../../lambdas/shared/http/types.js';
import { serveStreaming } from '../../lambdas/upload-gateway/http-server.js';
import { SpooledBlobStore } from '../../local/spooled-blob-store.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';

/**
 * An upload gateway in a process of its own, so that a test can kill it as a
 * crashed task dies, with uploads in flight. Driven by ./gateway-process.ts
 * over IPC: it listens first (its URL goes into the registry's settings), then
 * learns the registry it serves.
 */
export interface GatewayChildSetup {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** Local S3's spool directory, to write upload bodies as local mode does; absent, they go to S3 in parts as on AWS. */
  s3SpoolDirectory?: string;
  table: string;
  bucket: string;
  registryUrl: string;
  registry: RegistryConfig;
  tokenKey: { kid: string; secret: string };
}

let app: HttpApp | undefined;
const server = serveStreaming((request) => app!(request), (message) => console.error(message));
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});

process.on('message', (setup: GatewayChildSetup) => {
  const keys = { current: { kid: setup.tokenKey.kid, secret: Buffer.from(setup.tokenKey.secret, 'base64') }, previous: [] };
  const registryUrl = new URL(setup.registryUrl);
  const s3 = new S3Api({ region: LOCAL_REGION, endpoint: setup.s3Endpoint, credentials: LOCAL_CREDENTIALS });
  app = composeUploadGateway({
    dynamo: new DynamoDocuments({ region: LOCAL_REGION, endpoint: setup.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }),
    s3,
    table: setup.table,
    bucket: setup.bucket,
    identity: { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, registryHost: registryUrl.host, proxyEndpoint: setup.registryUrl },
    registry: setup.registry,
    tokenKeys: async () => keys,
    tokenLifetimeSeconds: 3600,
    policyCacheSeconds: 0,
    accessKeyCacheSeconds: 0,
    policyCacheEntries: 100,
    ...(setup.s3SpoolDirectory ? { blobs: new SpooledBlobStore(s3, setup.bucket, setup.s3SpoolDirectory) } : {}),
  }, { maxUploads: 8 });
  process.send!({ ready: true });
});
