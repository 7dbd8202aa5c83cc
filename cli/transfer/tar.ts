import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';

/**
 * Reads a tar file (ustar, pax and GNU long names) once from disk, hashing
 * each regular file's bytes as it goes, without holding any file in memory.
 * Links are resolved to the entry they name.
 */

export interface TarEntry {
  path: string;
  /** Offset of the entry's bytes in the tar. */
  offset: number;
  size: number;
  /** sha256:<hex> of the entry's bytes. */
  digest: string;
  /** The first bytes, to tell gzip from a plain tar. */
  head: Buffer;
}

const BLOCK = 512;
const CHUNK = 1024 * 1024;

function cString(buffer: Buffer, start: number, length: number): string {
  const field = buffer.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function numeric(buffer: Buffer, start: number, length: number): number {
  if (buffer[start]! & 0x80) {
    // GNU base-256 for sizes of 8 GiB and more.
    let value = buffer[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + buffer[i]!;
    return value;
  }
  const text = cString(buffer, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.subarray(at, space).toString('utf8'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function normalize(path: string): string {
  return posix.normalize(path.replace(/^\.?\/+/, '')).replace(/\/$/, '');
}

/** Every regular file of the tar by its path, links resolved. */
export async function scanTar(file: string): Promise<Map<string, TarEntry>> {
  const handle = await open(file, 'r');
  const entries = new Map<string, TarEntry>();
  const links: { path: string; target: string }[] = [];
  const buffer = Buffer.alloc(CHUNK);
  try {
    const { size: fileSize } = await handle.stat();
    let offset = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    const readExactly = async (position: number, length: number): Promise<Buffer> => {
      const out = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, position + done);
        if (bytesRead === 0) throw new Error(`${file} is not a complete tar archive`);
        done += bytesRead;
      }
      return out;
    };
    while (offset + BLOCK <= fileSize) {
      const header = await readExactly(offset, BLOCK);
      if (header.every((byte) => byte === 0)) break;
      const magic = cString(header, 257, 6);
      if (!magic.startsWith('ustar') && header.subarray(257, 262).some((byte) => byte !== 0)) {
        throw new Error(`${file} is not a tar archive (bad header at byte ${offset})`);
      }
      const type = String.fromCharCode(header[156]!);
      const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
      const name = cString(header, 0, 100);
      const size = pax.size !== undefined ? Number(pax.size) : numeric(header, 124, 12);
      const path = normalize(pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name));
      const linkName = pax.linkpath ?? longLink ?? cString(header, 157, 100);
      const dataStart = offset + BLOCK;
      offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

      if (type === 'x' || type === 'L' || type === 'K' || type === 'g') {
        const data = await readExactly(dataStart, size);
        if (type === 'x') pax = paxRecords(data);
        else if (type === 'L') longName = cString(data, 0, data.length);
        else if (type === 'K') longLink = cString(data, 0, data.length);
        continue;
      }
      longName = undefined;
      longLink = undefined;
      pax = {};
      if (type === '1') links.push({ path, target: normalize(linkName) });
      else if (type === '2') links.push({ path, target: normalize(posix.join(posix.dirname(path), linkName)) });
      else if (type === '0' || type === '\0' || type === '7') {
        const hash = createHash('sha256');
        let head = Buffer.alloc(0);
        for (let done = 0; done < size;) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - done), dataStart + done);
          if (bytesRead === 0) throw new Error(`${file} is not a complete tar archive`);
          const chunk = buffer.subarray(0, bytesRead);
          if (done === 0) head = Buffer.from(chunk.subarray(0, 8));
          hash.update(chunk);
          done += bytesRead;
        }
        entries.set(path, { path, offset: dataStart, size, digest: `sha256:${hash.digest('hex')}`, head });
      }
    }
  } finally {
    await handle.close();
  }
  for (let pass = 0; pass < 8; pass += 1) {
    for (const { path, target } of links) {
      const entry = entries.get(target);
      if (entry && !entries.has(path)) entries.set(path, { ...entry, path });
    }
  }
  return entries;
}
