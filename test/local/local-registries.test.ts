import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLocalRegistry, lastLocalRegistry, recordLocalRegistry } from '../../local/local-registries.js';

/** The per-user record of the registries npm start runs, which the CLI reads from any directory. */

const scratch = mkdtempSync(join(tmpdir(), 'berth-local-registries-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freshEnv(name: string): NodeJS.ProcessEnv {
  return { BERTH_CONFIG_DIR: join(scratch, name) };
}

describe('the record of local registries', () => {
  it('keeps each registry by URL, the last started as the default', () => {
    const env = freshEnv('two');
    expect(lastLocalRegistry(env)).toBeUndefined();
    const first = { url: 'http://127.0.0.1:5000', dataDir: '/home/me/berth/.berth', startedAt: '2026-01-01T00:00:00.000Z' };
    const second = { url: 'http://127.0.0.1:5001', dataDir: '/home/me/other/.berth', startedAt: '2026-01-01T00:01:00.000Z' };
    recordLocalRegistry(env, first);
    recordLocalRegistry(env, second);
    expect(lastLocalRegistry(env)).toEqual(second);
    expect(findLocalRegistry(env, first.url)).toEqual(first);
    expect(findLocalRegistry(env, 'http://127.0.0.1:5002')).toBeUndefined();
  });

  it('reads a damaged record as none, and replaces it on the next start', () => {
    const env = freshEnv('damaged');
    mkdirSync(env.BERTH_CONFIG_DIR!, { recursive: true });
    writeFileSync(join(env.BERTH_CONFIG_DIR!, 'local-registries.json'), '{"last": "http://127.0.0.1:5000", "regis');
    expect(lastLocalRegistry(env)).toBeUndefined();
    const registry = { url: 'http://127.0.0.1:5000', dataDir: '/data', startedAt: '2026-01-01T00:00:00.000Z' };
    recordLocalRegistry(env, registry);
    expect(lastLocalRegistry(env)).toEqual(registry);
  });
});
