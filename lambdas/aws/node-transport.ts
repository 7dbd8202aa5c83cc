import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';

/** Sends one signed request; the clients' seam for answering from memory (see bench/cold.bench.ts). */
export interface RequestHandler {
  handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: HttpResponse }>;
}

/**
 * A socket idle this long is given up, unless a client says otherwise. AWS answers or sends bytes
 * well within it; a peer that stops mid-answer would otherwise hold a request until the function's
 * own time limit.
 */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

// Connections are kept, as the SDK's handler keeps them: a new TLS handshake per call would cost
// more than most of the calls themselves.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 50 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
};

function headersOf(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A URI component as AWS signs it (RFC 3986): `!'()*` escaped too. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A query string of single-valued parameters, escaped as signed. */
export function queryString(query: Record<string, string>): string {
  return Object.keys(query).sort().map((name) => `${escapeUri(name)}=${escapeUri(query[name]!)}`).join('&');
}

/** Requests over Node's own HTTP(S) modules, with kept connections, given up after `idleTimeoutSeconds` of silence. */
export function nodeTransport(idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS): RequestHandler {
  return { handle: (request, options = {}) => send(request, options.abortSignal, idleTimeoutSeconds) };
}

function send(request: HttpRequest, abortSignal: AbortSignal | undefined, idleTimeoutSeconds: number): Promise<{ response: HttpResponse }> {
  const open = request.protocol === 'http:' ? httpRequest : httpsRequest;
  const query = queryString(request.query as Record<string, string>);
  return new Promise((resolve, reject) => {
    const outgoing = open({
      agent: agents[request.protocol === 'http:' ? 'http:' : 'https:'],
      method: request.method,
      hostname: request.hostname,
      ...(request.port === undefined ? {} : { port: request.port }),
      path: query ? `${request.path}?${query}` : request.path,
      headers: request.headers,
      timeout: idleTimeoutSeconds * 1000,
      ...(abortSignal ? { signal: abortSignal } : {}),
    }, (incoming) => resolve({ response: { statusCode: incoming.statusCode ?? 0, headers: headersOf(incoming), body: incoming } as HttpResponse }));
    outgoing.on('error', reject);
    // Named as Node names a connection that timed out, so the clients try again as for one.
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer from ${request.hostname} in ${idleTimeoutSeconds} s`), { code: 'ETIMEDOUT' })));
    const body: unknown = request.body;
    if (body instanceof Readable) {
      body.on('error', (error) => outgoing.destroy(error));
      body.pipe(outgoing);
    } else {
      outgoing.end(body as Uint8Array | string | undefined);
    }
  });
}
