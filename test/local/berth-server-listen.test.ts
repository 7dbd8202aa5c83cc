import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { startBerthServer } from '../../local/berth-server.js';

/** A registry whose port another program holds fails to start, as an error its caller can handle, rather than one nobody catches. */

describe('the local registry server', () => {
  it('rejects with EADDRINUSE when its port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    const id = randomUUID().slice(0, 8);
    try {
      await expect(startBerthServer({
        dynamoEndpoint: inject('dynamoEndpoint'), s3Endpoint: inject('s3Endpoint'), table: `berth-listen-${id}`, bucket: `berth-listen-${id}`, port,
      })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      busy.close();
    }
  });
});
