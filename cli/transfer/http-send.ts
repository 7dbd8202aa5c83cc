import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** What a server answered a request whose body was streamed. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The start of the response body (64 KiB at most), for error messages. */
  text: string;
}

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });

/**
 * A request with a streamed body of known length, sent with node:http, which
 * holds back the stream while the socket is busy; Node 20's fetch reads a
 * streamed body ahead without bound (hundreds of MiB for a large layer).
 * Rejects when the connection fails; any HTTP status is an answer.
 */
export async function sendStream(method: string, url: string, headers: Record<string, string>, body: ReadableStream<Uint8Array>, size: number, signal: AbortSignal): Promise<Answer> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method,
    headers: { ...headers, 'content-length': String(size) },
    signal,
    agent: target.protocol === 'https:' ? HTTPS_AGENT : HTTP_AGENT,
  });
  const answered = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk.length + text.length < 64 * 1024 ? chunk : ''));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
  // A refusal before the body is sent ends the request early; the answer says why.
  await Promise.all([pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), request).catch(async (error: unknown) => {
    const early = await Promise.race([answered, new Promise<undefined>((resolve) => setTimeout(resolve, 1000, undefined))]).catch(() => undefined);
    if (!early || early.status < 300) throw error;
  }), answered]);
  return answered;
}
