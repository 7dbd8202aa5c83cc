import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open as openFile, readFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CliError, UsageError } from '../errors.js';
import {
  isIndex, manifestMediaType, MEDIA_TYPES, parseManifest, sha256Of,
  type BlobSource, type ManifestEntry, type TransferPlan,
} from './plan.js';
import { scanTar, type TarEntry } from './tar.js';

/** The sources `berth push` reads: oci:DIR[:REF], docker-archive:FILE[:REF] and docker-daemon:IMAGE, named as skopeo names them. */

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * A file's bytes, or a range of them, as a web stream that reads 1 MiB from
 * disk each time its consumer pulls: memory stays bounded whatever the size
 * (Node 20's Readable.toWeb does not hold back its source).
 */
function fileStream(path: string, start = 0, size?: number, signal?: AbortSignal): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = start;
  let end = size === undefined ? Infinity : start + size;
  const close = async () => {
    signal?.removeEventListener('abort', onAbort);
    const open = handle;
    handle = undefined;
    await open?.close();
  };
  const onAbort = () => void close();
  return new ReadableStream<Uint8Array>({
    async start() {
      handle = await openFile(path, 'r');
      if (size === undefined) end = (await handle.stat()).size;
      signal?.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      if (!handle || position >= end) {
        await close();
        controller.close();
        return;
      }
      const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, end - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) {
        await close();
        controller.error(new CliError('UnexpectedEndOfFile', `${path} ended ${end - position} bytes short`));
        return;
      }
      position += bytesRead;
      controller.enqueue(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await close();
    },
  }, { highWaterMark: 2 });
}

const READ_BYTES = 256 * 1024;

export async function planSource(source: string, stdin: (() => NodeJS.ReadableStream) | undefined): Promise<TransferPlan> {
  const colon = source.indexOf(':');
  const transport = colon === -1 ? '' : source.slice(0, colon);
  const rest = source.slice(colon + 1);
  switch (transport) {
    case 'oci':
      return planOciLayout(...splitRef(rest));
    case 'docker-archive': {
      const [file, ref] = splitRef(rest);
      return planDockerArchive(file, ref, stdin);
    }
    case 'docker-daemon':
      if (rest === '') throw new UsageError('docker-daemon: needs an image, e.g. docker-daemon:alpine:3.20');
      return planDockerDaemon(rest);
    default:
      throw new UsageError(`unknown source '${source}': use oci:DIR[:REF], docker-archive:FILE (- for standard input) or docker-daemon:IMAGE`);
  }
}

/** DIR:REF, where DIR may be a path that exists with a colon in it. */
function splitRef(value: string): [string, string | undefined] {
  if (value === '-' || existsSync(value)) return [value, undefined];
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return [value, undefined];
  return [value.slice(0, colon), value.slice(colon + 1) || undefined];
}

async function planOciLayout(dir: string, ref: string | undefined): Promise<TransferPlan> {
  const blobPath = (digest: string) => {
    const [algorithm, hex] = digest.split(':');
    if (!algorithm || !hex || !/^[a-z0-9]+$/.test(algorithm) || !/^[a-f0-9]+$/.test(hex)) throw new CliError('InvalidLayout', `${dir}: invalid digest ${digest}`);
    return join(dir, 'blobs', algorithm, hex);
  };
  let indexBytes: Buffer;
  try {
    indexBytes = await readFile(join(dir, 'index.json'));
  } catch {
    throw new CliError('InvalidLayout', `${dir} is not an OCI image layout: it has no index.json`, 'give the directory skopeo or buildx wrote with oci:DIR');
  }
  const index = parseManifest(indexBytes, join(dir, 'index.json'));
  const entries = index.manifests ?? [];
  const named = ref === undefined ? entries : entries.filter((entry) => entry.annotations?.[REF_NAME] === ref);
  if (named.length !== 1) {
    const names = entries.map((entry) => entry.annotations?.[REF_NAME]).filter(Boolean);
    throw new CliError('ReferenceNotFound', ref === undefined
      ? `${dir} holds ${entries.length} images; name one with oci:${dir}:REF (${names.join(', ') || 'none are named'})`
      : `${dir} has ${named.length === 0 ? 'no image' : 'several images'} named ${ref}${names.length ? ` (it has: ${names.join(', ')})` : ''}`);
  }

  const blobs = new Map<string, BlobSource>();
  const manifests: ManifestEntry[] = [];
  const seen = new Set<string>();
  const fileBlob = (digest: string, size: number): BlobSource => {
    const path = blobPath(digest);
    return { digest, size, open: async (signal, offset = 0) => fileStream(path, offset, size - offset, signal) };
  };
  const visit = async (digest: string, descriptorType: string | undefined): Promise<ManifestEntry> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(blobPath(digest));
    } catch {
      throw new CliError('InvalidLayout', `${dir} lacks manifest ${digest}`);
    }
    if (sha256Of(bytes) !== digest) throw new CliError('DigestMismatch', `${dir}: manifest ${digest} does not match its digest; nothing was pushed`);
    const parsed = parseManifest(bytes, `${dir}: ${digest}`);
    const entry: ManifestEntry = { digest, mediaType: manifestMediaType(parsed, descriptorType), bytes };
    if (seen.has(digest)) return entry;
    seen.add(digest);
    if (isIndex(entry.mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) await visit(child.digest, child.mediaType);
    } else {
      for (const descriptor of [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])]) {
        if (blobs.has(descriptor.digest)) continue;
        const path = blobPath(descriptor.digest);
        if (!existsSync(path)) {
          // Foreign layers live at their URLs, not in the layout.
          if (descriptor.urls?.length) continue;
          throw new CliError('InvalidLayout', `${dir} lacks blob ${descriptor.digest}`);
        }
        const actual = statSync(path).size;
        if (actual !== descriptor.size) {
          throw new CliError('DigestMismatch', `${dir}: blob ${descriptor.digest} has ${actual} bytes where the manifest says ${descriptor.size}; nothing was pushed`);
        }
        blobs.set(descriptor.digest, fileBlob(descriptor.digest, descriptor.size));
      }
    }
    manifests.push(entry);
    return entry;
  };
  const top = await visit(named[0]!.digest, named[0]!.mediaType);
  return { blobs: [...blobs.values()], manifests, top };
}

interface ArchiveImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function planDockerArchive(file: string, ref: string | undefined, stdin: (() => NodeJS.ReadableStream) | undefined): Promise<TransferPlan> {
  if (file === '-') {
    if (!stdin) throw new UsageError('docker-archive:- needs standard input');
    return spooled((path) => pipeline(stdin(), createWriteStream(path)), ref, 'standard input');
  }
  if (!existsSync(file)) throw new CliError('ENOENT', `cannot read ${file}`);
  return archivePlan(file, ref, file);
}

/** A tar written to a temporary file first (it must be read twice: once for the digests, once to upload), removed after the push. */
async function spooled(write: (path: string) => Promise<void>, ref: string | undefined, what: string): Promise<TransferPlan> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-archive-'));
  const cleanup = async () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'archive.tar');
    await write(path);
    return { ...(await archivePlan(path, ref, what)), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function archivePlan(file: string, ref: string | undefined, what: string): Promise<TransferPlan> {
  let entries: Map<string, TarEntry>;
  try {
    entries = await scanTar(file);
  } catch (error) {
    throw new CliError('InvalidArchive', `${what}: ${(error as Error).message}`);
  }
  const manifestEntry = entries.get('manifest.json');
  if (!manifestEntry) throw new CliError('InvalidArchive', `${what} is not a docker save archive: it has no manifest.json`);
  const read = async (entry: TarEntry): Promise<Buffer> => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of fileStream(file, entry.offset, entry.size) as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  let images: ArchiveImage[];
  try {
    images = JSON.parse((await read(manifestEntry)).toString('utf8')) as ArchiveImage[];
    if (!Array.isArray(images)) throw new Error('not a list');
  } catch (error) {
    throw new CliError('InvalidArchive', `${what}: manifest.json is not docker save's: ${(error as Error).message}`);
  }
  const chosen = ref === undefined ? images : images.filter((image) => (image.RepoTags ?? []).some((tag) => tag === ref || tag === `${ref}:latest`));
  if (chosen.length !== 1) {
    const tags = images.flatMap((image) => image.RepoTags ?? []);
    throw new CliError('ReferenceNotFound', ref === undefined
      ? `${what} holds ${images.length} images; name one with docker-archive:FILE:REF (${tags.join(', ') || 'none are tagged'})`
      : `${what} has no image tagged ${ref}${tags.length ? ` (it has: ${tags.join(', ')})` : ''}`);
  }
  const image = chosen[0]!;
  const entryOf = (path: string): TarEntry => {
    const entry = entries.get(path.replace(/^\.?\/+/, ''));
    if (!entry) throw new CliError('InvalidArchive', `${what} lacks ${path}, which its manifest.json names`);
    return entry;
  };
  const config = entryOf(image.Config);
  const layers = image.Layers.map(entryOf);
  const blobs = new Map<string, BlobSource>();
  for (const entry of [config, ...layers]) {
    blobs.set(entry.digest, { digest: entry.digest, size: entry.size, open: async (signal, offset = 0) => fileStream(file, entry.offset + offset, entry.size - offset, signal) });
  }
  const gzip = (entry: TarEntry) => entry.head[0] === 0x1f && entry.head[1] === 0x8b;
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.dockerManifest,
    config: { mediaType: MEDIA_TYPES.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((entry) => ({ mediaType: gzip(entry) ? MEDIA_TYPES.dockerLayerGzip : MEDIA_TYPES.dockerLayer, size: entry.size, digest: entry.digest })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const top: ManifestEntry = { digest: sha256Of(bytes), mediaType: MEDIA_TYPES.dockerManifest, bytes };
  return { blobs: [...blobs.values()], manifests: [top], top };
}

/** `docker save IMAGE` into a temporary archive, then as docker-archive:. */
async function planDockerDaemon(image: string): Promise<TransferPlan> {
  return spooled((path) => new Promise<void>((resolve, reject) => {
    const child = spawn('docker', ['save', '--output', path, image], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? new CliError('DockerNotFound', 'docker-daemon: needs the docker CLI, and `docker` is not on PATH', 'install docker, or push a `docker save` archive with docker-archive:FILE')
      : error));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new CliError('DockerSaveFailed', `docker save ${image} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`,
        'check that the docker engine is running and has the image (docker image ls), or push a `docker save` archive with docker-archive:FILE'));
    });
  }), undefined, `docker save ${image}`);
}
