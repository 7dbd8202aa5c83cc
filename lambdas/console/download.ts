import { ConsoleError } from './errors.js';

/** Reads a presigned URL's object, refusing one larger than `maxBytes` (the console shows small JSON documents only). */
export async function downloadAtMost(url: string, maxBytes: number): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`download answered ${response.status}`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new ConsoleError('DocumentTooLarge');
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > maxBytes) throw new ConsoleError('DocumentTooLarge');
  return body;
}
