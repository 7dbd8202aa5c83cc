import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import { SecretsManager } from '../../lambdas/aws/secrets-manager.js';

/**
 * What Berth's AWS clients make of answers no AWS service means to give but a network can: an
 * error page that is not JSON, an error named only in its header, and a peer that goes silent.
 */

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' };
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** A server answering each request with `answer`, counting them; its endpoint. */
async function serving(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ endpoint: string; requests: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    answer(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stops.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => count };
}

const read = (secrets: SecretsManager) => secrets.getSecretValue({ SecretId: 'token-key' }).catch((error: unknown) => error);

describe('an AWS client', () => {
  it('names an error page that is not JSON by its status, with the start of its text', async () => {
    const { endpoint } = await serving((_, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>'));
    const error = await read(new SecretsManager({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 1 }));
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ name: 'HTTP502', message: '<html>Bad Gateway</html>', $metadata: { httpStatusCode: 502 } });
  });

  it('names an error with no body by its x-amzn-errortype header', async () => {
    const { endpoint, requests } = await serving((_, response) => response.writeHead(400, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/' }).end());
    const error = await read(new SecretsManager({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 2 }));
    expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    // Throttling is worth another try.
    expect(requests()).toBe(2);
  });

  it('gives up on a peer silent for its idle time, and tries again as for a dropped connection', async () => {
    const { endpoint, requests } = await serving(() => undefined);
    const error = await read(new SecretsManager({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 2, idleTimeoutSeconds: 0.2 }));
    expect(error).toMatchObject({ message: 'no answer from 127.0.0.1 in 0.2 s', code: 'ETIMEDOUT' });
    expect(requests()).toBe(2);
  });
});
