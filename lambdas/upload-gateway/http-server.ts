import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodePath } from '../shared/http/apigw.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';

/** The load balancer's health check. */
export const HEALTH_PATH = '/healthz';

/**
 * Serves an app over HTTP with request bodies streamed to it, not buffered:
 * the upload gateway's front door, on AWS behind the load balancer and locally
 * on loopback beside the API.
 */
export function serveStreaming(app: HttpApp, log: (message: string) => void): Server {
  const server = createServer((request, response) => {
    handle(app, request, response).catch((error: unknown) => {
      log(`request failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500, { connection: 'close' });
      response.destroy();
    });
  });
  // A layer of many GiB takes as long as it takes; Node's default would cut a request off after 5 minutes.
  server.requestTimeout = 0;
  // Longer than any load balancer's idle timeout, so a kept-alive connection is never closed under it.
  server.keepAliveTimeout = 11 * 60 * 1000;
  return server;
}

async function handle(app: HttpApp, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://gateway');
  if (url.pathname === HEALTH_PATH) {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  write(request, response, await app(requestOf(request, url)));
}

function requestOf(request: IncomingMessage, url: URL): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: decodePath(url.pathname),
    query: url.searchParams,
    headers,
    body: Buffer.alloc(0),
    bodyStream: request,
  };
}

function write(request: IncomingMessage, response: ServerResponse, result: HttpResponse): void {
  const body = result.body ?? Buffer.alloc(0);
  const headers: Record<string, string | string[]> = { ...result.headers, ...result.multiHeaders };
  headers['content-length'] = String(body.length);
  // A refusal before the body was read: closing the connection stops the client sending the rest.
  if (!request.readableEnded) headers.connection = 'close';
  response.writeHead(result.status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}
