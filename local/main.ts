import { resolve } from 'node:path';
import { ADMIN_PROFILE, loadOrCreateAdminKey } from './admin-credentials.js';
import { preparePrivateDataDir } from './data-dir.js';
import { startEmulators } from './emulators/index.js';
import { loadOrCreateSealingKey } from './sealing-key.js';
import { localTokenKeys } from './token-keys.js';
import { startBerthServer } from './berth-server.js';

/**
 * `npm start`: DynamoDB Local and s3rver with data under BERTH_DATA_DIR
 * (default .berth/), and the registry on http://127.0.0.1:PORT (default 5000).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 5000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const dataDir = resolve(process.env.BERTH_DATA_DIR ?? '.berth');
  preparePrivateDataDir(dataDir);

  const admin = loadOrCreateAdminKey(dataDir);
  const emulators = await startEmulators({ dataDir, scratchDir: dataDir });
  let registry;
  try {
    registry = await startBerthServer({
      dynamoEndpoint: emulators.dynamoEndpoint,
      s3Endpoint: emulators.s3Endpoint,
      table: 'berth',
      bucket: 'berth-blobs',
      port,
      adminKey: admin.keys,
      sealingKey: loadOrCreateSealingKey(dataDir),
      // Read on each use, so that a key rotated in the file applies without a restart.
      tokenKeys: async () => localTokenKeys(dataDir),
      sweepIntervalMs: 60_000,
      log: (message) => console.error(message),
    });
  } catch (error) {
    await emulators.stop();
    throw error;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Berth…`);
    await registry.stop();
    await emulators.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const host = registry.url.replace(/^http:\/\//, '');
  console.log(`Berth is running at ${registry.url} (data in ${dataDir})`);
  console.log(`Uploads of any size continue on the upload gateway at ${registry.gatewayUrl}`);
  console.log('Try it (the registry wants a token, as on AWS):');
  console.log(`  npm link && berth login --registry ${registry.url}   # once: docker, skopeo and podman then sign in by themselves`);
  console.log(`  skopeo copy --dest-tls-verify=false docker://docker.io/library/alpine:latest docker://${host}/demo/alpine:latest`);
  console.log(`  curl -u "AWS:$(berth get-login-password --registry ${registry.url})" ${registry.url}/v2/_catalog`);
  console.log(`  AWS_SHARED_CREDENTIALS_FILE=${admin.file} AWS_PROFILE=${ADMIN_PROFILE} \\`);
  console.log(`    aws ecr describe-repositories --endpoint-url ${registry.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
