import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_DESCRIPTIONS } from './stacks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Offline: no telemetry, no notices, no instance-metadata lookup for credentials. */
const OFFLINE = {
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
};

/** What a function needs in its environment to start (values as the stack sets them). */
const FUNCTION_ENV = {
  AWS_REGION: 'eu-west-1',
  BERTH_TABLE: 'berth-table',
  BERTH_BUCKET: 'berth-bucket',
  BERTH_ACCOUNT_ID: '123456789012',
  BERTH_REGISTRY_HOST: 'registry.example.com',
  BERTH_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf',
  BERTH_SEALING_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sealing-AbCdEf',
};

describe('npx cdk synth', () => {
  let outdir: string;
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'berth-synth-'));
    result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outdir], {
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE },
      encoding: 'utf8',
      timeout: 240_000,
    });
  }, 260_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('runs offline, bundles the functions and passes cdk-nag', () => {
    expect(result.error).toBeUndefined();
    expect(`${result.stderr}`).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, 'Berth.template.json'))).toBe(true);
  });

  it('produces bundles that load in Node as ES modules and export the handler', () => {
    const template = JSON.parse(readFileSync(join(outdir, 'Berth.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string; Properties: any }>)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.map((fn) => fn.Properties.Description).sort()).toEqual(Object.values(FUNCTION_DESCRIPTIONS).sort());
    for (const fn of functions) {
      const asset = join(outdir, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(asset)).toBe(true);
      const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', 'const m = await import(process.env.BUNDLE); console.log(typeof m.handler);'], {
        env: { ...process.env, ...OFFLINE, ...FUNCTION_ENV, BUNDLE: asset },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(loaded.stderr).not.toMatch(/Error/);
      expect(loaded.stdout.trim()).toBe('function');
    }
  });
});
