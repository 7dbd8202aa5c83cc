import { describe, expect, it } from 'vitest';
import { DEFAULT_GC_GRACE_SECONDS, gcGraceSeconds, parseGcEnvironment } from '../../lambdas/gc/settings.js';
import { ConfigError } from '../../lambdas/shared/env-values.js';

/** BERTH_GC_GRACE_SECONDS and the jobs function's bucket, read once and checked before anything runs. */

describe('garbage collection settings', () => {
  it('waits 24 hours by default, or as long as BERTH_GC_GRACE_SECONDS says', () => {
    expect(gcGraceSeconds({})).toBe(DEFAULT_GC_GRACE_SECONDS);
    expect(DEFAULT_GC_GRACE_SECONDS).toBe(86_400);
    expect(gcGraceSeconds({ BERTH_GC_GRACE_SECONDS: '7200' })).toBe(7200);
  });

  it('refuses a grace period under an hour, or one that is not a whole number of seconds, naming the variable', () => {
    for (const value of ['60', '3599', '1.5', 'a day', '-1']) {
      expect(() => gcGraceSeconds({ BERTH_GC_GRACE_SECONDS: value })).toThrow(ConfigError);
      expect(() => gcGraceSeconds({ BERTH_GC_GRACE_SECONDS: value })).toThrow(/BERTH_GC_GRACE_SECONDS must be a whole number of seconds from 3600/);
    }
  });

  it('needs the bucket in the jobs function', () => {
    expect(parseGcEnvironment({ BERTH_BUCKET: 'blobs' })).toEqual({ bucket: 'blobs', graceSeconds: DEFAULT_GC_GRACE_SECONDS });
    expect(() => parseGcEnvironment({})).toThrow(/BERTH_BUCKET is not set/);
  });
});
