import { describe, expect, it } from 'vitest';
import { createProgress } from '../../cli/transfer/progress.js';

/** What a push prints about one blob's upload as it goes: a retry, a resume, a slower path. */

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('push progress events', () => {
  it('prints an event as a line of its blob when stderr is not a terminal', () => {
    let output = '';
    const progress = createProgress({ write: (text) => (output += text), isTty: false });
    progress.start(DIGEST, 2_000_000);
    progress.event(DIGEST, 'resuming from byte 1000 of 2000000', 1000);
    progress.close();
    expect(output.split('\n')).toEqual(['abababababab: uploading 1.9 MiB', 'abababababab: resuming from byte 1000 of 2000000', '']);
  });

  it('prints an event above the bars on a terminal, and sets the bar back to what is sent again', () => {
    let output = '';
    const progress = createProgress({ write: (text) => (output += text), isTty: true });
    progress.start(DIGEST, 1_000_000);
    progress.advance(DIGEST, 800_000);
    progress.event(DIGEST, 'resuming from byte 500000 of 1000000', 500_000);
    const lines = output.split('\n');
    expect(lines.at(-3)).toContain('abababababab: resuming from byte 500000 of 1000000');
    expect(lines.at(-2)).toContain('488 KiB/977 KiB');
    progress.close();
  });
});
