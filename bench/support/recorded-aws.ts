import { Readable } from 'node:stream';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { nodeTransport, type RequestHandler } from '../../lambdas/aws/node-transport.js';

interface Recorded {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A request handler for Berth's AWS clients that records the answers of the
 * emulators (DynamoDB Local, local S3), then, once `replay()` is called, answers
 * the same requests from memory: the stores become in-memory ones for everything
 * after it, while the clients still build, sign and parse every call as they do in Lambda. A
 * request not seen while recording is an error, not a silent network call.
 */
export class RecordedAws implements RequestHandler {
  private readonly real = nodeTransport();
  private readonly recorded = new Map<string, Recorded>();
  private replaying = false;

  replay(): void {
    this.replaying = true;
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const key = keyOf(request);
    if (this.replaying) {
      const hit = this.recorded.get(key);
      if (!hit) throw new Error(`no recorded answer for ${key.slice(0, 300)}`);
      return { response: responseOf(hit) };
    }
    const { response } = await this.real.handle(request);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    const recorded = { statusCode: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) };
    this.recorded.set(key, recorded);
    return { response: responseOf(recorded) };
  }
}

function responseOf(recorded: Recorded): HttpResponse {
  return new HttpResponse({ statusCode: recorded.statusCode, headers: { ...recorded.headers }, body: Readable.from([recorded.body]) });
}

/** What makes two calls the same: method, host, path, query and body (signatures and dates aside). */
function keyOf(request: HttpRequest): string {
  const query = Object.entries(request.query ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `${name}=${String(value)}`).join('&');
  const body = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '';
  return `${request.method} ${request.hostname}:${request.port ?? ''}${request.path}?${query} ${request.headers['x-amz-target'] ?? ''} ${body}`;
}
