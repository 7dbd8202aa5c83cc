import { request as httpRequest } from 'node:http';

/** A request as sent on the wire: the path is sent byte for byte, unnormalized. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Sends a request with node:http rather than fetch, which would resolve `..`
 * segments and re-encode the path before the registry saw them.
 */
export function sendRaw(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({
      host: url.hostname,
      port: url.port,
      method: request.method,
      path: request.path,
      headers: { ...request.headers, 'content-length': String(request.body.length) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/**
 * Percent-encodes what cannot travel raw in a request line (bytes outside
 * printable ASCII) and what would end the path (`?`, `#`); everything else,
 * `..` and `%2F` included, reaches the server as written.
 */
export function rawPath(path: string): string {
  return [...path].map((char) => (/^[\x21-\x7e]$/.test(char) && char !== '?' && char !== '#'
    ? char
    : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''))).join('');
}
