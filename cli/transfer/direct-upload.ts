import { CliError } from '../errors.js';
import { sendStream } from './http-send.js';
import type { BlobSource } from './plan.js';
import type { Progress } from './progress.js';

/**
 * One PUT of the whole blob to a presigned S3 URL. Its SHA-256 is signed into
 * the URL and storage checks the bytes against it as it stores them, so the
 * CLI need not hash them too.
 */
export async function putToStorage(blob: BlobSource, put: { url: string; headers: Record<string, string> }, signal: AbortSignal, progress: Progress): Promise<void> {
  let count = 0;
  const metered = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      count += chunk.byteLength;
      progress.advance(blob.digest, chunk.byteLength);
      controller.enqueue(chunk);
    },
  });
  const { status, text } = await sendStream('PUT', put.url, put.headers, (await blob.open(signal)).pipeThrough(metered), blob.size, signal);
  if (status >= 200 && status < 300) return;
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  if (code === 'BadDigest') {
    throw new CliError('DigestMismatch', `blob ${blob.digest} is corrupt: storage found its ${count} bytes do not have that digest; nothing was pushed`);
  }
  throw new CliError(code ?? `HTTP${status}`, `storage refused the upload (HTTP ${status})${message ? `: ${message}` : ''}`);
}
