import { formatBytes } from '../output.js';

/** Progress of a push on stderr: bars redrawn in place on a terminal, one line per event otherwise. */

export interface Progress {
  start(digest: string, size: number): void;
  advance(digest: string, bytes: number): void;
  finish(digest: string, outcome: 'pushed' | 'exists' | 'failed'): void;
  /** Something that happened to one blob's upload (a retry, a slow path); `done` sets how much of it is sent again. */
  event(digest: string, line: string, done?: number): void;
  /** A line once the blobs are done (manifests, the tag). */
  note(line: string): void;
  close(): void;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function createProgress(output: { write(text: string): void; isTty: boolean } | undefined): Progress {
  if (!output) return { start() {}, advance() {}, finish() {}, event() {}, note() {}, close() {} };
  return output.isTty ? barProgress(output) : lineProgress(output);
}

function lineProgress(output: { write(text: string): void }): Progress {
  const started = new Map<string, { size: number; at: number }>();
  return {
    start(digest, size) {
      started.set(digest, { size, at: Date.now() });
      output.write(`${short(digest)}: uploading ${formatBytes(size)}\n`);
    },
    advance() {},
    finish(digest, outcome) {
      const blob = started.get(digest);
      if (outcome === 'exists') output.write(`${short(digest)}: skipped, already exists\n`);
      else if (outcome === 'pushed') output.write(`${short(digest)}: pushed ${formatBytes(blob?.size)} in ${(((Date.now() - (blob?.at ?? Date.now())) / 1000)).toFixed(1)} s\n`);
      else output.write(`${short(digest)}: failed\n`);
    },
    event(digest, line) {
      output.write(`${short(digest)}: ${line}\n`);
    },
    note(line) {
      output.write(`${line}\n`);
    },
    close() {},
  };
}

function barProgress(output: { write(text: string): void }): Progress {
  interface Row { digest: string; size: number; done: number; state: string }
  const rows: Row[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const width = 30;
  const line = (row: Row): string => {
    const fraction = row.size === 0 ? 1 : Math.min(1, row.done / row.size);
    const filled = Math.round(fraction * width);
    const bar = row.state === 'uploading' ? `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] ${formatBytes(row.done)}/${formatBytes(row.size)}` : row.state;
    return `${short(row.digest)}: ${bar}`;
  };
  const draw = () => {
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const row of rows) text += `\r\x1b[2K${line(row)}\n`;
    drawn = rows.length;
    output.write(text);
  };
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw();
    }, 100);
  };
  const find = (digest: string) => rows.find((row) => row.digest === digest);
  return {
    start(digest, size) {
      rows.push({ digest, size, done: 0, state: 'uploading' });
      schedule();
    },
    advance(digest, bytes) {
      const row = find(digest);
      if (row) row.done += bytes;
      schedule();
    },
    finish(digest, outcome) {
      const row = find(digest);
      const state = outcome === 'exists' ? 'already exists' : outcome === 'pushed' ? `pushed ${formatBytes(row?.size)}` : 'failed';
      if (row) row.state = state;
      else rows.push({ digest, size: 0, done: 0, state });
      schedule();
    },
    event(digest, text, done) {
      const row = find(digest);
      if (row && done !== undefined) row.done = done;
      // Above the bars, which are drawn again below it.
      output.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}\r\x1b[2K${short(digest)}: ${text}\n`);
      drawn = 0;
      draw();
    },
    note(text) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      draw();
      output.write(`${text}\n`);
      drawn = 0;
      rows.length = 0;
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (rows.length) draw();
    },
  };
}
