import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, freshHome, useBerthBins } from '../support/berth-bins.js';
import { ociImage } from '../support/oci.js';
import { writeOciLayout } from '../support/oci-layout.js';

/** Ctrl-C during berth push: a line that says what became of the push and how to go on. */

const bins = useBerthBins();
// A registry that takes requests and never answers them: the push is under way until it is stopped.
let requests = 0;
let server: Server;
beforeAll(async () => {
  server = createServer(() => {
    requests += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
});

describe('berth push, interrupted', () => {
  it('says what stays and how to go on, and exits 130', async () => {
    const home = freshHome(bins());
    const image = ociImage();
    const dir = join(home, 'layout');
    writeOciLayout(dir, [{ name: 'v1', manifest: image.manifest }], [image.config, ...image.layers]);
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = clientEnv(bins(), home, { credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) } });

    const child = spawn(process.execPath, [bins().berth, 'push', `oci:${dir}:v1`, `${host}/stopped/app:v1`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (requests === 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    expect(requests).toBeGreaterThan(0);

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe('\nberth: interrupted: the blobs pushed so far stay in the registry, and the tag was not set; run the same command again to go on from there\n');
  });
});
