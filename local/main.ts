import { join } from 'node:path';
import { parseConsoleSettings } from '../lambdas/console/settings.js';
import { parsePullThroughConfig } from '../lambdas/pull-through/config.js';
import { ADMIN_PROFILE, loadOrCreateAdminKey } from './admin-credentials.js';
import { startBerthServer } from './berth-server.js';
import { preparePrivateDataDir } from './data-dir.js';
import { startEmulators } from './emulators/index.js';
import { recordLocalRegistry } from './local-registries.js';
import { portInUseMessage, requirePortFree } from './port-in-use.js';
import { loadOrCreateSealingKey } from './sealing-key.js';
import { parseDeliverySettings } from '../lambdas/webhooks/config.js';
import { parseLocalSettings } from './settings.js';
import { soleWriterOptions } from './sole-writer.js';
import { Supervisor } from './supervise.js';
import { localTokenKeySource } from './token-keys.js';

// The SDK's own switch for its notice that a later release will need Node 22: Berth supports Node 20 (see package.json's engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HOST = '127.0.0.1';

/**
 * `npm start`: DynamoDB Local and s3rver with data under BERTH_DATA_DIR
 * (default .berth/), and the registry on http://127.0.0.1:PORT (default 5000);
 * the other settings are in ./settings.ts.
 */
async function main(supervisor: Supervisor): Promise<void> {
  const settings = parseLocalSettings(process.env, process.argv.slice(2));
  const webhooks = parseDeliverySettings(process.env);
  const { dataDir, port } = settings;
  const consoleSettings = parseConsoleSettings(process.env);
  const pullThrough = parsePullThroughConfig(process.env);
  preparePrivateDataDir(dataDir);
  await requirePortFree(HOST, port);

  const admin = loadOrCreateAdminKey(dataDir);
  const emulators = await startEmulators({ dataDir, scratchDir: dataDir, objectCacheBytes: settings.objectCacheBytes });
  supervisor.add(() => emulators.stop());
  const registry = await startBerthServer({
    dynamoEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    s3SpoolDirectory: emulators.s3SpoolDirectory,
    table: 'berth',
    bucket: 'berth-blobs',
    host: HOST,
    port,
    ...soleWriterOptions(settings),
    adminKey: admin.keys,
    sealingKey: loadOrCreateSealingKey(dataDir),
    tokenKeys: localTokenKeySource(dataDir),
    sweepIntervalMs: settings.jobIntervalMs,
    webhooks,
    gcGraceSeconds: settings.gcGraceSeconds,
    lifecyclePreviewSeconds: settings.lifecyclePreviewSeconds,
    console: consoleSettings,
    // Local mode's Secrets Manager for pull-through cache rules: the secret ecr-pullthroughcache/hub is <data dir>/secrets/ecr-pullthroughcache/hub.
    pullThrough: { secretsDir: join(dataDir, 'secrets'), ...pullThrough },
    log: (message) => console.error(message),
    ...(settings.quiet ? {} : { activity: (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) }),
  }).catch((error: unknown) => {
    // Another program may take the port between the check and the listen.
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new Error(portInUseMessage(HOST, port)) : error;
  });
  supervisor.add(() => registry.stop());
  // Where the CLI and the credential helper find this registry and its key, from any directory.
  recordLocalRegistry(process.env, { url: registry.url, dataDir, startedAt: new Date().toISOString() });

  const host = registry.url.replace(/^http:\/\//, '');
  console.log(`Berth is running at ${registry.url} (data in ${dataDir})`);
  console.log(`Uploads of any size continue on the upload gateway at ${registry.gatewayUrl}`);
  console.log(`A push to a repository that does not exist ${settings.createOnPush ? 'creates it' : 'is refused (BERTH_CREATE_ON_PUSH=false)'}.`);
  console.log('Try it (the registry wants a token, as on AWS):');
  console.log('  npm link && berth login   # once: docker, skopeo and podman then sign in by themselves');
  console.log(`  skopeo copy --dest-tls-verify=false docker://docker.io/library/alpine:latest docker://${host}/demo/alpine:latest`);
  console.log(`  curl -u "AWS:$(berth get-login-password)" ${registry.url}/v2/_catalog`);
  console.log(`  AWS_SHARED_CREDENTIALS_FILE=${admin.file} AWS_PROFILE=${ADMIN_PROFILE} \\`);
  console.log(`    aws ecr describe-repositories --endpoint-url ${registry.url}`);
  const signIn = await registry.consoleSignIn();
  console.log(`The web console: ${signIn.signInUrl}`);
  console.log(`  (signs you in as the administrator once, until ${signIn.expiresAt.toISOString()}; \`berth console\` prints another)`);
  console.log(settings.quiet ? 'Requests are not logged (quiet).' : 'Requests follow, one line each (BERTH_QUIET=true or npm start -- --quiet for none):');
}

const supervisor = new Supervisor((line) => console.error(line));
main(supervisor).catch((error: unknown) => supervisor.fail(error));
