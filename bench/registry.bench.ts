import { startBerthServer } from '../local/berth-server.js';
import { apiCallsTable } from './sections/api-calls.js';
import { distributionSection } from './sections/distribution.js';
import { latencyTable } from './sections/latency.js';
import { throughputTable } from './sections/throughput.js';
import { adminClient } from './support/admin.js';
import { CallCounter } from './support/call-counter.js';
import { pushFixture } from './support/fixture.js';
import { runBench } from './support/run.js';
import { printSection } from './support/table.js';

/**
 * `npm run bench`: starts DynamoDB Local (in memory), s3rver (in a scratch
 * directory) and the registry in this process, then prints request latency,
 * push/pull throughput and the AWS calls each operation makes; then compares
 * local mode with distribution 2.8 (Debian's docker-registry).
 */
runBench('berth-bench', async (emulators, scratch) => {
  const counter = new CallCounter();
  const registry = await startBerthServer({
    dynamoEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    table: 'berth-bench',
    bucket: 'berth-bench',
    port: 0,
    // As deployed: a function instance remembers repository policies for 10 s.
    policyCacheSeconds: 10,
    instrument: counter.instrument,
    log: (message) => console.error(message),
  });
  try {
    // Node's fetch (undici) keeps connections alive, so every client reuses its sockets.
    const client = adminClient(registry);
    const fixture = await pushFixture(client);
    console.log(`Berth benchmark against ${registry.url} (DynamoDB Local, s3rver; Node ${process.version})`);
    printSection('1. Read requests: throughput and latency', await latencyTable(client, fixture));
    printSection('2. Push and pull throughput', await throughputTable(client));
    printSection('3. AWS calls per operation', await apiCallsTable(client, counter, fixture));
  } finally {
    await registry.stop();
  }
  printSection('4. Local mode against distribution 2.8', await distributionSection(emulators, scratch));
});

