import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sigv4Verifier } from '../../lambdas/management/auth/sigv4-verifier.js';
import type { EcrError } from '../../lambdas/management/errors.js';

/**
 * A stand-in for an AWS service of the JSON protocol on this machine (Secrets Manager, SQS,
 * EventBridge have no emulator here): it checks each request's SigV4 signature for the
 * service and region it stands for, as AWS does, records what was asked, and answers as told.
 */

/** The keys the fake knows; a client must sign with them. */
export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIAFAKEJSONSERVICE0', secretAccessKey: 'fake-json-service-secret-key' };

export interface ReceivedCall {
  /** The X-Amz-Target header, e.g. secretsmanager.GetSecretValue. */
  target: string;
  contentType: string;
  authorization: string;
  input: Record<string, unknown>;
}

/** An answer: the status (200 unless given) and the JSON body. */
export interface FakeAnswer {
  status?: number;
  body?: unknown;
}

export interface FakeJsonService {
  /** http://127.0.0.1:port */
  url: string;
  calls: ReceivedCall[];
  stop(): Promise<void>;
}

export async function startFakeJsonService(
  scope: { region: string; signingName: string },
  answer: (call: ReceivedCall, index: number) => FakeAnswer,
): Promise<FakeJsonService> {
  const verify = sigv4Verifier({
    region: scope.region,
    services: [scope.signingName],
    resolve: async (accessKeyId) => (accessKeyId === FAKE_AWS_CREDENTIALS.accessKeyId
      ? { secretAccessKey: FAKE_AWS_CREDENTIALS.secretAccessKey, principal: { arn: 'arn:aws:iam::123456789012:role/fn', accountId: '123456789012' } }
      : undefined),
    now: () => new Date(),
  });
  const calls: ReceivedCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      const url = new URL(request.url ?? '/', 'http://fake');
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': headers['content-type'] ?? 'application/x-amz-json-1.1', 'x-amzn-requestid': `request-${calls.length}` });
        response.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      verify({ method: request.method ?? 'POST', path: url.pathname, query: url.searchParams, headers, body }).then(() => {
        const call = { target: headers['x-amz-target'] ?? '', contentType: headers['content-type'] ?? '', authorization: headers.authorization ?? '', input: JSON.parse(body.toString('utf8')) as Record<string, unknown> };
        calls.push(call);
        const { status = 200, body: payload = {} } = answer(call, calls.length - 1);
        reply(status, payload);
      }, (error: EcrError) => reply(400, { __type: error.type, message: error.message }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
