import type { HttpResponse } from '../../shared/http/types.js';

/** Small builders for the registry's success responses. */
export function empty(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-length': '0', ...headers } };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  const body = Buffer.from(JSON.stringify(value));
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }, body };
}
