import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';
import { clientEnv, freshHome, runBerthBundle, useBerthBins, type ProcessResult } from '../support/berth-bins.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** berth copy with a Berth registry as the source: it signs in as docker would, with the user's berth login, or to the --registry one. */

const source = useRegistry();
const bins = useBerthBins();
let destination: RunningRegistry | undefined;
const image = ociImage({ layerSizes: [2000] });

beforeAll(async () => {
  // A second registry with the same administrator key: one set of AWS credentials serves both, as one AWS account serves two deployments.
  const id = randomUUID().slice(0, 8);
  destination = await startBerthServer({
    dynamoEndpoint: inject('dynamoEndpoint'), s3Endpoint: inject('s3Endpoint'), table: `berth-copy-${id}`, bucket: `berth-copy-${id}`, port: 0,
    adminKey: source().adminKey,
  });
  await clientOf(source()).pushImage('origin/app', 'v1', image);
});
afterAll(async () => {
  await destination?.stop();
});

const host = (registry: RunningRegistry) => new URL(registry.url).host;

function berth(home: string, args: string[]): Promise<ProcessResult> {
  return runBerthBundle(bins(), args, clientEnv(bins(), home, { credentials: source().adminKey }));
}

describe('berth copy from Berth', () => {
  it('signs in to the --registry one without --src-creds', async () => {
    const home = freshHome(bins());
    const result = await berth(home, ['copy', `docker://${host(source())}/origin/app:v1`, `docker://${host(source())}/copied/own:v1`, '--registry', source().url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Pushed ${host(source())}/copied/own:v1@${image.manifest.digest}`);
  });

  it('uses the berth login of the source registry, as docker would use its credential helper', async () => {
    const home = freshHome(bins());
    const args = ['copy', `docker://${host(source())}/origin/app:v1`, `docker://${host(destination!)}/copied/logged-in:v1`, '--registry', destination!.url];
    const anonymous = await berth(home, args);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^berth: Unauthorized: .*needs credentials\nhint: give them with --src-creds USER:PASSWORD\n$/);

    const login = await berth(home, ['login', '--pull-only', '--registry', source().url]);
    expect(login.code, login.stderr).toBe(0);
    const result = await berth(home, args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Pushed ${host(destination!)}/copied/logged-in:v1@${image.manifest.digest}`);
    expect((await clientOf(destination!).request('HEAD', `/v2/copied/logged-in/manifests/${image.manifest.digest}`)).status).toBe(200);
  });
});
