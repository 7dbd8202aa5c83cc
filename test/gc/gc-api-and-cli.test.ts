import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../cli/output.js';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { keys } from '../../lambdas/store/keys.js';
import { buildCli } from '../../scripts/build-cli.js';
import { runProcess } from '../support/berth-bins.js';
import { randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';
import { isolatedEnv } from '../support/tools.js';
import { age, imageOf, recorded } from './gc-support.js';

/** `berth gc` as a user runs it, and Berth_V1.CollectGarbage behind it. */

const registry = useRegistry();
const client = () => clientOf(registry());
const scratch = mkdtempSync(join(tmpdir(), 'berth-gc-cli-'));
const bundle = join(scratch, 'berth.mjs');
beforeAll(() => buildCli(bundle));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function berth(...args: string[]) {
  const { accessKeyId, secretAccessKey } = registry().adminKey;
  const env = isolatedEnv(scratch, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey });
  return runProcess(process.execPath, [bundle, ...args, '--registry', registry().url], env, '');
}

async function collectGarbage(body: unknown, credentials = registry().adminKey): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CollectGarbage`, body, { credentials }));
}

describe('berth gc', () => {
  it('previews with --dry-run, deleting nothing, then reclaims and prints the blobs and bytes', async () => {
    const layer = randomBlob(3333, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const image = imageOf([layer], 'gc-cli');
    await client().pushImage('gc/cli', 'v1', image);
    expect((await client().request('DELETE', `/v2/gc/cli/manifests/${image.manifest.digest}`)).status).toBe(202);
    await age(registry());
    const bytes = image.config.bytes.length + layer.bytes.length;

    const preview = await berth('gc', '--dry-run');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`Would reclaim 2 blobs, ${formatBytes(bytes)} (${bytes} bytes); nothing was deleted.`);
    expect(preview.stdout).toMatch(new RegExp(`Bytes stored: +${bytes} `));
    expect(await recorded(registry(), keys.blob(layer.digest))).toBe(true);

    const run = await berth('gc', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, blobsReclaimed: 2, bytesReclaimed: bytes, linksRemoved: 2, failures: [] });
    expect(await recorded(registry(), keys.blob(layer.digest))).toBe(false);

    const again = await berth('gc');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Reclaimed 0 blobs, 0 B (0 bytes).');
  });

  it('refuses keys Berth issued: collection is for administrators', async () => {
    const created = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CreateAccessKey`, { principalName: 'gc-user' }));
    const key = ((await created.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
    const response = await collectGarbage({ dryRun: true }, key);
    expect(response.status).toBe(403);
    expect(await errorType(response)).toBe('AccessDeniedException');
  });

  it('refuses a nextToken it did not issue, and a dryRun that is not a boolean', async () => {
    expect(await errorType(await collectGarbage({ nextToken: 'not-a-token' }))).toBe('InvalidParameterException');
    const foreign = Buffer.from(JSON.stringify({ last: JSON.stringify({ phase: 'queue', shard: 99 }) })).toString('base64url');
    expect(await errorType(await collectGarbage({ nextToken: foreign }))).toBe('InvalidParameterException');
    const wrongType = await collectGarbage({ dryRun: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(await errorType(wrongType)).toBe('SerializationException');
  });
});
