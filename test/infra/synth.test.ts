import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
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
  BERTH_WEBHOOK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/berth-deliveries',
};

describe('npx cdk synth', () => {
  let outdir: string;
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'berth-synth-'));
    // A custom domain, so the upload gateway is on and its image's build context is staged too.
    result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outdir, '-c', 'domainName=registry.example.com'], {
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE },
      encoding: 'utf8',
      timeout: 240_000,
    });
  }, 260_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('runs offline, bundles the functions and the gateway, and passes cdk-nag', () => {
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

  it('stages the upload gateway\'s image: a Dockerfile for arm64 on a Node.js base, run by a non-root user', () => {
    const context = gatewayBuildContext(outdir);
    expect(context.platform).toBe('linux/arm64');
    const dockerfile = readFileSync(join(context.directory, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM public\.ecr\.aws\/docker\/library\/node:\d+-slim$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(existsSync(join(context.directory, 'main.mjs'))).toBe(true);
  });

  it('bundles a gateway that starts with the task\'s environment and answers its health check', async () => {
    const { directory } = gatewayBuildContext(outdir);
    // The gateway takes a PORT of 1 or more, so a port is picked beforehand; should another process have bound it since, a refused bind picks again.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const gateway = spawn(process.execPath, ['--enable-source-maps', join(directory, 'main.mjs')], {
        env: { ...process.env, ...OFFLINE, ...FUNCTION_ENV, BERTH_UPLOAD_GATEWAY_URL: 'https://uploads.registry.example.com', PORT: String(port), BERTH_GATEWAY_HOST: '127.0.0.1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = once(gateway, 'exit');
      try {
        let log = '';
        gateway.stderr.setEncoding('utf8');
        gateway.stderr.on('data', (chunk: string) => { log += chunk; });
        while (!log.includes('listening')) {
          const [ended] = await Promise.race([once(gateway.stderr, 'data').then(() => [false]), exited.then(() => [true])]);
          if (ended && log.includes('EADDRINUSE') && attempt < 3) break;
          if (ended) throw new Error(`the gateway exited: ${log}`);
        }
        if (!log.includes('listening')) continue;
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).toBe(200);
        return;
      } finally {
        gateway.kill('SIGKILL');
        await exited;
      }
    }
  });
});

/** The Docker build context the synth staged for the upload gateway, from the assembly's asset manifest. */
function gatewayBuildContext(outdir: string): { directory: string; platform: string } {
  const assets = JSON.parse(readFileSync(join(outdir, 'Berth.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; platform?: string } }>;
  };
  const images = Object.values(assets.dockerImages);
  expect(images).toHaveLength(1);
  return { directory: join(outdir, images[0]!.source.directory), platform: images[0]!.source.platform ?? '' };
}
