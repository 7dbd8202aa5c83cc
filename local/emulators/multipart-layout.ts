import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, openSync } from 'node:fs';
import { open, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3Error from 's3rver/lib/models/error.js';

/**
 * Where a multipart upload's parts are kept, so that completing it costs no
 * copy in the usual case. Parts of a sequence of equal sizes, as Berth and
 * most clients send them, are written straight into one data file at their
 * place (part n at n-1 times the first part's size), and completion renames
 * that file into the object. A part that cannot be placed so (its size
 * unknown or larger than the first, the first part not begun yet, or a part
 * number sent again, whose earlier bytes must stay until the new ones are
 * whole) goes to a file of its own, and such an upload is joined by copying
 * at completion, as before.
 *
 * Part ETags are random rather than the part's MD5: nothing reads them but
 * the completion, and hashing every byte was most of what a local push cost.
 */

/** A part stored whole: in the data file at `offset`, or in a file of its own. */
export interface PartRecord {
  etag: string;
  size: number;
  offset?: number;
}

interface Placement {
  /** Size of part 1, the slot every placed part takes. */
  slot: number;
  /** Part numbers given a place (being written, or written): one sent again goes to a file of its own. */
  placed: Set<number>;
  /** Placed parts still being written: completing now must not rename the file under them. */
  writing: number;
}

const DATA = 'data';
/**
 * Bytes a part's file takes in before it pushes back. Chunks arrive from the socket
 * 64 KiB at a time; letting them gather while a write is under way sends them in one
 * vectored write, where one write each made the file writes most of a local push's CPU.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;

export class MultipartLayout {
  /** By upload directory; an upload that began before this process ran has none, and is joined by copying. */
  private readonly placements = new Map<string, Placement | null>();

  /** Writes part `partNumber` of `content`, `declared` bytes long when the request said so; its record once whole. */
  async write(directory: string, partNumber: number, content: Readable, declared: number | undefined): Promise<PartRecord> {
    const offset = this.place(directory, partNumber, declared);
    const etag = randomBytes(16).toString('hex');
    let size: number;
    if (offset === undefined) {
      size = await writeWhole(join(directory, String(partNumber)), content);
    } else {
      const placement = this.placements.get(directory)!;
      placement.writing += 1;
      try {
        size = await writeAt(join(directory, DATA), offset, content);
      } finally {
        placement.writing -= 1;
      }
      if (size !== declared) throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    }
    const record: PartRecord = { etag, size, ...(offset === undefined ? {} : { offset }) };
    // Written then moved: a record is never read half written, and replaces the one of a part sent before.
    const recordPath = join(directory, `${partNumber}.part`);
    const partial = `${recordPath}.partial-${randomUUID()}`;
    await writeFile(partial, JSON.stringify(record));
    await rename(partial, recordPath);
    return record;
  }

  /** The record of a part stored whole, or undefined. */
  async record(directory: string, partNumber: number): Promise<PartRecord | undefined> {
    const text = await readFile(join(directory, `${partNumber}.part`), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : JSON.parse(text) as PartRecord;
  }

  /**
   * Joins `parts` into the file at `target`. When they fill the data file from its start, in
   * order, and no placed part is still being written, the data file becomes the object;
   * otherwise the parts are copied beside `target`, which is replaced only once it is whole.
   */
  async join(directory: string, parts: { partNumber: number; record: PartRecord }[], target: string): Promise<void> {
    let end = 0;
    const inPlace = parts.every(({ record }) => {
      const contiguous = record.offset === end;
      end += record.size;
      return contiguous;
    });
    if (inPlace && (this.placements.get(directory)?.writing ?? 0) === 0) {
      // Parts placed after the last listed one lie beyond it: not part of the object.
      await truncate(join(directory, DATA), end);
      await rename(join(directory, DATA), target);
      return;
    }
    const partial = `${target}.partial-${randomUUID()}`;
    try {
      const output = await open(partial, 'w');
      try {
        for (const { partNumber, record } of parts) {
          const source = record.offset === undefined
            ? createReadStream(join(directory, String(partNumber)))
            : createReadStream(join(directory, DATA), { start: record.offset, end: record.offset + record.size - 1 });
          for await (const chunk of source as AsyncIterable<Buffer>) await output.write(chunk);
        }
      } finally {
        await output.close();
      }
      // Whole before it is in place: a reader never sees a partly joined object.
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** Forgets an upload that was completed or aborted. */
  forget(directory: string): void {
    this.placements.delete(directory);
  }

  /** The offset part `partNumber` is written at in the data file, or undefined when it needs a file of its own. */
  private place(directory: string, partNumber: number, declared: number | undefined): number | undefined {
    let placement = this.placements.get(directory);
    if (placement === undefined) {
      // Parts of an upload begun before this process ran may be in the data file already.
      placement = partNumber === 1 && declared !== undefined && !existsSync(join(directory, DATA)) ? { slot: declared, placed: new Set(), writing: 0 } : null;
      this.placements.set(directory, placement);
      if (placement) closeSync(openSync(join(directory, DATA), 'a'));
    }
    if (!placement || declared === undefined || declared > placement.slot || placement.placed.has(partNumber)) return undefined;
    placement.placed.add(partNumber);
    return (partNumber - 1) * placement.slot;
  }
}

async function writeWhole(path: string, content: Readable): Promise<number> {
  const partial = `${path}.partial-${randomUUID()}`;
  try {
    const size = await writeAt(partial, 0, content, 'w');
    await rename(partial, path);
    return size;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** Writes `content` into the file at `offset`, returning how many bytes it had. */
async function writeAt(path: string, offset: number, content: Readable, flags = 'r+'): Promise<number> {
  const output = createWriteStream(path, { flags, start: offset, highWaterMark: WRITE_BATCH_BYTES });
  await pipeline(content, output);
  return output.bytesWritten;
}
