import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from './client.js';
import type { Blob } from './oci.js';
import { locateTool } from './tools.js';

/** Debian's docker-registry (distribution 2.8): a registry without auth on 127.0.0.1, storing in a scratch directory. */

export const distributionTool = locateTool('docker-registry', 'apt-get install docker-registry', ['/usr/bin/docker-registry']);

export interface Distribution {
  /** host:port, for docker:// references. */
  host: string;
  url: string;
  /** The Authorization header it wants, when it was started with a user. */
  authorization?: string;
  stop(): Promise<void>;
}

/** With `basic`, it admits only that user: `htpasswd` is the user's line, `user:<bcrypt hash>`, as distribution reads it. */
export async function startDistribution(basic?: { htpasswd: string; username: string; password: string }): Promise<Distribution> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-distribution-'));
  const config = join(dir, 'config.yml');
  // Port 0, read back from its log: a port picked beforehand could be taken by another test's server before it binds.
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    '  addr: 127.0.0.1:0',
    ...(basic ? ['auth:', '  htpasswd:', '    realm: berth-test', `    path: ${join(dir, 'htpasswd')}`] : []),
    '',
  ].join('\n'));
  if (basic) writeFileSync(join(dir, 'htpasswd'), `${basic.htpasswd}\n`);
  const child: ChildProcess = spawn(distributionTool.path!, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  // One stop for every caller: a killed child keeps exitCode null (signalCode is set), so a second
  // stop that waited for another 'exit' would wait forever.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const host = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const listening = (chunk: string) => {
      stderr += chunk;
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        child.stderr!.off('data', listening);
        resolve(match[1]!);
      }
    };
    child.stderr!.setEncoding('utf8').on('data', listening);
    child.once('exit', () => reject(new Error(`docker-registry did not start:\n${stderr}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  // Keep reading its log, so that a full pipe never blocks it.
  child.stderr!.resume();
  const authorization = basic && `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  return { host, url: `http://${host}`, ...(authorization ? { authorization } : {}), stop };
}

/**
 * Seeds `repository` as clients push into distribution, which takes no blob in
 * its POST: blobs by POST then PUT with the digest, then manifests in the
 * order given (an index after the images it names).
 */
export async function seedDistribution(distribution: Distribution, repository: string, blobs: Blob[], manifests: { reference: string; manifest: Blob }[]): Promise<void> {
  const { authorization } = distribution;
  const client = new RegistryClient(distribution.url, authorization ? async () => authorization : undefined);
  for (const item of blobs) {
    const upload = new URL(await client.startUpload(repository));
    upload.searchParams.set('digest', item.digest);
    const put = await client.fetch(upload.toString(), { method: 'PUT', body: item.bytes, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`distribution refused blob ${item.digest}: ${put.status} ${await put.text()}`);
  }
  for (const { reference, manifest } of manifests) {
    const put = await client.pushManifest(repository, reference, manifest);
    if (put.status !== 201) throw new Error(`distribution refused manifest ${reference}: ${put.status} ${await put.text()}`);
  }
}
