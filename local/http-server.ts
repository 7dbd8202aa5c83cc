import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { resultFromResponse } from '../lambdas/shared/http/apigw.js';
import type { HttpResponse } from '../lambdas/shared/http/types.js';
import { LAMBDA_PAYLOAD_BYTES } from '../lambdas/shared/limits.js';
import { eventFromRequest } from './apigw-event.js';

/** API Gateway HTTP APIs refuse request bodies over 10 MB before invoking anything. */
export const API_GATEWAY_PAYLOAD_BYTES = 10 * 1024 * 1024;

export type LambdaHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** One API Gateway route: its Lambda handler, and its protocol's answer to an oversized request. */
export interface LocalRoute {
  handler: LambdaHandler;
  tooLarge: (size: number | undefined) => HttpResponse;
  internalError: () => HttpResponse;
}

/**
 * Serves Lambda handlers over HTTP the way API Gateway does: each request
 * becomes a payload v2 event for the route its path selects, and the same size
 * limits apply, so local behaviour is production behaviour.
 */
export function createLambdaServer(route: (path: string) => LocalRoute, log: (message: string) => void = () => undefined): Server {
  return createServer((request, response) => {
    const target = route(new URL(request.url ?? '/', 'http://localhost').pathname);
    serve(target, request, response).catch((error: unknown) => {
      log(`request failed: ${String(error)}`);
      if (!response.headersSent) writeResult(response, request, resultFromResponse(target.internalError()));
      else response.destroy();
    });
  });
}

async function serve(route: LocalRoute, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request, API_GATEWAY_PAYLOAD_BYTES);
  if (body === 'too-large') return refuseTooLarge(route, request, response, undefined);
  const event = eventFromRequest(request, body);
  if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_PAYLOAD_BYTES) return refuseTooLarge(route, request, response, body.length);
  writeResult(response, request, await route.handler(event));
}

function refuseTooLarge(route: LocalRoute, request: IncomingMessage, response: ServerResponse, size: number | undefined): void {
  // The rest of an oversized body is not read; closing the connection stops the client sending it.
  response.setHeader('connection', 'close');
  writeResult(response, request, resultFromResponse(route.tooLarge(size)));
}

const NO_BODY = Buffer.alloc(0);

/** Reads the body, or gives up once it passes `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  // Without either header a request has no body (RFC 9112, 6.3), so there is nothing to wait for.
  if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return Promise.resolve(NO_BODY);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function writeResult(response: ServerResponse, request: IncomingMessage, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  // A HEAD keeps the Content-Length its GET would have; every other response states its own.
  if (request.method !== 'HEAD' || headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}
