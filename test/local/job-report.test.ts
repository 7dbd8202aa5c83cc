import { describe, expect, it } from 'vitest';
import { reportLifecycle, reportSweep } from '../../local/job-report.js';

/** npm start's lines about its background jobs: what a run did, nothing for a run with nothing to do. */

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function lines(report: (write: (line: string) => void) => void): string[] {
  const written: string[] = [];
  report((line) => written.push(line));
  return written;
}

describe('background job lines', () => {
  it('say how many expired uploads a sweep removed', () => {
    expect(lines((write) => reportSweep(1, write))).toEqual(['upload sweep: removed 1 expired upload']);
    expect(lines((write) => reportSweep(3, write))).toEqual(['upload sweep: removed 3 expired uploads']);
    expect(lines((write) => reportSweep(0, write))).toEqual([]);
  });

  it('name the images lifecycle policies expired', () => {
    const report = { repositories: 2, expired: [{ repository: 'a', digest: DIGEST }, { repository: 'b/c', digest: DIGEST }], failures: [] };
    expect(lines((write) => reportLifecycle(report, write))).toEqual([`lifecycle policies: expired a@${DIGEST}, b/c@${DIGEST}`]);
    expect(lines((write) => reportLifecycle({ repositories: 2, expired: [], failures: [] }, write))).toEqual([]);
  });
});
