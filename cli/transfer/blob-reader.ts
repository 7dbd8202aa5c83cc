import { CliError } from '../errors.js';
import type { BlobSource } from './plan.js';

/**
 * Reads a blob front to back in pieces of chosen lengths, each a stream of its
 * own (a chunk, or the rest of the blob), from one open source; `seek` opens it
 * again at an offset, to resume from what the registry kept. It checks that the
 * source has exactly the blob's size; the registry checks the digest.
 */
export class BlobReader {
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private leftover: Uint8Array | undefined;
  private at = 0;

  constructor(
    private readonly blob: BlobSource,
    private readonly signal: AbortSignal,
    /** Told of every piece of the blob as it is read. */
    private readonly onBytes: (bytes: number) => void,
  ) {}

  /** Where the next piece starts. */
  get position(): number {
    return this.at;
  }

  async seek(offset: number): Promise<void> {
    await this.close();
    this.reader = (await this.blob.open(this.signal, offset)).getReader();
    this.at = offset;
  }

  /** The next `length` bytes as a stream; it fails if the source ends before them. */
  take(length: number): ReadableStream<Uint8Array> {
    let remaining = length;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (remaining === 0) {
          controller.close();
          return;
        }
        let chunk = this.leftover;
        this.leftover = undefined;
        if (!chunk) {
          const read = await this.source().read();
          if (read.done) {
            controller.error(new CliError('DigestMismatch', `blob ${this.blob.digest} ended after ${this.at} bytes of ${this.blob.size}; nothing was pushed`));
            return;
          }
          chunk = read.value;
        }
        if (chunk.byteLength > remaining) {
          this.leftover = chunk.subarray(remaining);
          chunk = chunk.subarray(0, remaining);
        }
        remaining -= chunk.byteLength;
        this.at += chunk.byteLength;
        this.onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    });
  }

  /** Fails if the source holds more than the blob's size; then closes it. */
  async end(): Promise<void> {
    if (!this.reader) return;
    const extra = this.leftover ?? (await this.source().read()).value;
    await this.close();
    if (extra?.byteLength) throw new CliError('DigestMismatch', `blob ${this.blob.digest} is longer than its ${this.blob.size} bytes; nothing was pushed`);
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    this.leftover = undefined;
    await reader?.cancel().catch(() => undefined);
  }

  private source(): ReadableStreamDefaultReader<Uint8Array> {
    if (!this.reader) throw new Error('BlobReader read before seek');
    return this.reader;
  }
}
