import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConsoleAssets } from '../../console/build.js';
import { BerthFunction } from '../../lib/berth-function.js';
import { CONSOLE_BUNDLING, consoleEnvironment } from '../../lib/registry-console.js';

/** The console's page as shipped: in the management function's bundle, small, and its lifetimes configurable. */

const scratch = mkdtempSync(join(tmpdir(), 'berth-console-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** docs/console.md states the first load's size; this keeps it from growing unnoticed. */
const FIRST_LOAD_BUDGET_GZIP_BYTES = 24 * 1024;

describe('the console page', () => {
  it('loads in one HTML file, one script and one style sheet, within the gzipped budget', async () => {
    const assets = await buildConsoleAssets();
    expect([...assets.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const gzipped = [...assets.values()].reduce((sum, asset) => sum + gzipSync(asset.body).length, 0);
    expect(gzipped).toBeLessThan(FIRST_LOAD_BUDGET_GZIP_BYTES);
  });

  it('ships in the management function\'s bundle, beside the handler that serves it', () => {
    const app = new App({ outdir: join(scratch, 'cdk.out') });
    const stack = new Stack(app, 'Bundled');
    new BerthFunction(stack, 'Management', {
      entry: 'lambdas/management/handler.ts',
      description: 'bundled',
      memorySize: 128,
      timeout: Duration.seconds(10),
      logRetention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
      commandHooks: CONSOLE_BUNDLING,
    });
    const assembly = app.synth();
    const [asset] = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    const dir = join(assembly.directory, asset!);
    expect(readdirSync(join(dir, 'console')).sort()).toEqual(['app.css', 'app.js', 'index.html']);
    expect(readFileSync(join(dir, 'console', 'index.html'), 'utf8')).toContain('src="assets/app.js"');
  }, 60_000);

  it('takes its lifetimes from the construct, and refuses one out of bounds at synth', () => {
    expect(consoleEnvironment()).toEqual({ BERTH_CONSOLE_LINK_SECONDS: '300', BERTH_CONSOLE_SESSION_SECONDS: '3600' });
    expect(consoleEnvironment({ signInLinkLifetime: Duration.minutes(2), sessionLifetime: Duration.hours(8) }))
      .toEqual({ BERTH_CONSOLE_LINK_SECONDS: '120', BERTH_CONSOLE_SESSION_SECONDS: '28800' });
    expect(() => consoleEnvironment({ sessionLifetime: Duration.days(1) }))
      .toThrow('BERTH_CONSOLE_SESSION_SECONDS must be a whole number of seconds from 60 to 43200, got "86400"');
  });
});
