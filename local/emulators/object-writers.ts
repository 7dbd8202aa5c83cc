import { randomUUID } from 'node:crypto';
import { link, mkdir, rename, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

/**
 * Writes object bodies to files and hashes them in worker threads. s3rver
 * does both on the thread that serves every request, which made its MD5 and
 * the SHA-256 check the limit of a local push; here that thread only passes
 * the bytes on, and concurrent uploads write and hash on other cores.
 */

export type Algorithm = 'md5' | 'sha256';

export interface Written {
  size: number;
  /** Hex digests by algorithm. */
  digests: Partial<Record<Algorithm, string>>;
}

type Reply =
  | { type: 'ack'; job: number; bytes: number }
  | { type: 'done'; job: number; size: number; digests: Partial<Record<Algorithm, string>> }
  | { type: 'error'; job: number; message: string };

// Plain JavaScript, evaluated as the worker's script, so that it runs under any TypeScript loader or none.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const jobs = new Map();
function finish(job) {
  const open = jobs.get(job);
  jobs.delete(job);
  if (open) fs.closeSync(open.fd);
  return open;
}
// Removed here, after the messages before it: the file is never created after it was meant to be gone.
function discard(job, path) {
  finish(job);
  fs.rmSync(path, { force: true });
}
parentPort.on('message', (message) => {
  const { type, job } = message;
  try {
    if (type === 'open') {
      jobs.set(job, { path: message.path, fd: fs.openSync(message.path, 'w'), size: 0, hashes: message.algorithms.map((name) => [name, createHash(name)]) });
    } else if (type === 'chunk') {
      const open = jobs.get(job);
      if (!open) return;
      const bytes = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      for (let written = 0; written < bytes.length; ) written += fs.writeSync(open.fd, bytes, written);
      for (const [, hash] of open.hashes) hash.update(bytes);
      open.size += bytes.length;
      parentPort.postMessage({ type: 'ack', job, bytes: bytes.length });
    } else if (type === 'end') {
      const open = finish(job);
      const digests = Object.fromEntries(open.hashes.map(([name, hash]) => [name, hash.digest('hex')]));
      parentPort.postMessage({ type: 'done', job, size: open.size, digests });
    } else if (type === 'abort') {
      discard(job, message.path);
    }
  } catch (error) {
    try { discard(job, message.path ?? jobs.get(job)?.path); } catch {}
    parentPort.postMessage({ type: 'error', job, message: String(error && error.message || error) });
  }
});
`;

/** Bytes sent to a worker and not yet written: the request is read no further ahead than this. */
const MAX_IN_FLIGHT = 8 * 1024 * 1024;

interface Job {
  inFlight: number;
  drained?: () => void;
  settle?: { resolve: (written: Written) => void; reject: (error: Error) => void };
  failure?: Error;
}

class WriterThread {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  readonly jobs = new Map<number, Job>();
  /** False once the thread has stopped: its jobs failed, and it takes no more. */
  alive = true;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.receive(reply));
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', () => this.stop(new Error('the object writer thread stopped')));
  }

  private stop(error: Error): void {
    this.alive = false;
    for (const job of this.jobs.values()) this.fail(job, error);
    this.jobs.clear();
  }

  private receive(reply: Reply): void {
    const job = this.jobs.get(reply.job);
    if (!job) return;
    if (reply.type === 'ack') {
      job.inFlight -= reply.bytes;
      if (job.inFlight <= MAX_IN_FLIGHT / 2) job.drained?.();
    } else if (reply.type === 'done') {
      this.jobs.delete(reply.job);
      job.settle?.resolve({ size: reply.size, digests: reply.digests });
    } else {
      this.fail(job, new Error(`writing the object failed: ${reply.message}`));
    }
  }

  private fail(job: Job, error: Error): void {
    job.failure = error;
    job.drained?.();
    job.settle?.reject(error);
  }

  post(message: object, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class ObjectWriters {
  private threads: WriterThread[] = [];
  private nextJob = 1;

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  /** The thread with the fewest uploads in progress, started on first need. */
  private pick(): WriterThread {
    this.threads = this.threads.filter((thread) => thread.alive);
    const idle = this.threads.find((thread) => thread.jobs.size === 0);
    if (idle) return idle;
    if (this.threads.length < this.size) {
      const thread = new WriterThread();
      this.threads.push(thread);
      return thread;
    }
    return this.threads.reduce((least, thread) => (thread.jobs.size < least.jobs.size ? thread : least));
  }

  /** Writes `content` to the file at `path`, hashing it with `algorithms`; when this throws, there is no file. */
  async write(path: string, content: Readable, algorithms: Algorithm[]): Promise<Written> {
    const thread = this.pick();
    const id = this.nextJob++;
    const job: Job = { inFlight: 0 };
    thread.jobs.set(id, job);
    thread.post({ type: 'open', job: id, path, algorithms });
    try {
      for await (const chunk of content as AsyncIterable<Buffer>) {
        if (job.failure) throw job.failure;
        // The request's buffer may be shared with other reads, so the worker gets its own copy.
        const copy = new Uint8Array(chunk);
        thread.post({ type: 'chunk', job: id, data: copy }, [copy.buffer]);
        job.inFlight += copy.byteLength;
        if (job.inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => (job.drained = resolve));
        job.drained = undefined;
      }
      if (job.failure) throw job.failure;
      const written = new Promise<Written>((resolve, reject) => (job.settle = { resolve, reject }));
      thread.post({ type: 'end', job: id });
      return await written;
    } catch (error) {
      thread.jobs.delete(id);
      thread.post({ type: 'abort', job: id, path });
      throw error;
    }
  }

  /**
   * Writes `content` beside `path` and moves it there once it is whole and `check` (which throws
   * to refuse it) accepts it: until then `path` keeps what it held, as S3 keeps an object until
   * its replacement is complete. With `exclusive`, only if nothing is at `path` by then (else it
   * fails with EEXIST), decided atomically by the file system.
   */
  async replace(path: string, content: Readable, algorithms: Algorithm[], check: (written: Written) => void = () => undefined, options: { exclusive?: boolean } = {}): Promise<Written> {
    const partial = `${path}.partial-${randomUUID()}`;
    await mkdir(dirname(path), { recursive: true });
    const written = await this.write(partial, content, algorithms);
    try {
      check(written);
    } catch (error) {
      await unlink(partial);
      throw error;
    }
    if (!options.exclusive) {
      await rename(partial, path);
      return written;
    }
    try {
      await link(partial, path);
    } finally {
      await unlink(partial);
    }
    return written;
  }

  /** Stops the threads; writes in progress fail. */
  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((thread) => thread.terminate()));
  }
}
