import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3BlobStore } from '../lambdas/store/s3-blob-store.js';
import { SPOOLED_FILE_METADATA } from './emulators/s3rver-spooled-files.js';

/** Bytes gathered before a write: chunks arrive 64 KiB at a time, and one write each would cost more than the bytes. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Local mode's blob store: streamed bodies are written to a file of the local
 * S3's spool directory and handed over by name (see
 * emulators/s3rver-spooled-files.ts), so each byte is written once rather than
 * sent to the emulator over a socket. Bodies of any length go so, one file each;
 * everything else is S3's as on AWS.
 */
export class SpooledBlobStore extends S3BlobStore {
  constructor(client: ConstructorParameters<typeof S3BlobStore>[0], bucket: string, private readonly spoolDirectory: string) {
    super(client, bucket);
  }

  override async putStream(key: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, length: number): Promise<void> {
    await this.putUnsized(key, body, length);
  }

  async putUnsized(key: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, length?: number): Promise<void> {
    const name = randomUUID();
    const file = join(this.spoolDirectory, name);
    try {
      const output = createWriteStream(file, { highWaterMark: WRITE_BATCH_BYTES });
      await pipeline(Readable.from(body), output);
      // S3 refuses a body that is not the length its request declared, and keeps nothing.
      if (length !== undefined && output.bytesWritten !== length) throw new Error(`the body was ${output.bytesWritten} bytes, not the ${length} declared`);
      await this.putPending(key, new Uint8Array(0), 0, { metadata: { [SPOOLED_FILE_METADATA]: name } });
    } finally {
      await rm(file, { force: true });
    }
  }
}
