import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../cli/transfer/progress.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER = `sha256:${'cd'.repeat(32)}`;

describe('push progress', () => {
  it('prints a line per blob event when stderr is not a terminal', () => {
    let output = '';
    const progress = createProgress({ write: (text) => (output += text), isTty: false });
    progress.start(DIGEST, 2_000_000);
    progress.advance(DIGEST, 1_000_000);
    progress.finish(DIGEST, 'pushed');
    progress.finish(OTHER, 'exists');
    progress.close();
    expect(output.split('\n')).toEqual([
      'abababababab: uploading 1.9 MiB',
      expect.stringMatching(/^abababababab: pushed 1\.9 MiB in \d+\.\d s$/),
      'cdcdcdcdcdcd: skipped, already exists',
      '',
    ]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws bars in place on a terminal', () => {
    // Redraws are throttled by a timer: the test moves the clock instead of waiting for it.
    vi.useFakeTimers();
    let output = '';
    const progress = createProgress({ write: (text) => (output += text), isTty: true });
    progress.start(DIGEST, 1_000_000);
    progress.advance(DIGEST, 500_000);
    vi.advanceTimersByTime(150);
    expect(output).toContain('abababababab: [===============>');
    expect(output).toContain('488 KiB/977 KiB');
    progress.finish(DIGEST, 'pushed');
    progress.close();
    expect(output).toContain('\x1b[1A');
    expect(output.trimEnd().split('\n').at(-1)).toContain('abababababab: pushed 977 KiB');
  });
});
