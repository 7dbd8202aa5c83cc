import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthFunction, functionBuildOptions } from '../../lib/berth-function.js';
import { environmentCredentials } from '../../lambdas/aws/credentials.js';
import { berthStack, functionId, FUNCTION_DESCRIPTIONS, NO_GATEWAY, resource } from './stacks.js';

/**
 * What the functions' bundles hold and how they start: Berth's own small AWS
 * clients with credentials from the Lambda environment only (none of the SDK's
 * clients, nor its default chain and the STS and SSO clients it brings), a source map shipped beside the bundle, and source-mapped
 * stack traces only when asked for, since they cost most of a second on an
 * instance's first error.
 */

const scratch = mkdtempSync(join(tmpdir(), 'berth-bundles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The AWS SDK's clients, their runtime and its default credential chain (SSO, shared files,
 * processes, web identity, instance metadata), none of which a function calls: its AWS clients
 * are Berth's own (lambdas/aws/). Only its marshalling and signer may come along.
 */
const SDK_RUNTIME = /@aws-sdk\/(client-|lib-|core\/|middleware-|credential-provider|nested-clients|token-providers|s3-request-presigner)|@smithy\/(credential-provider-imds|smithy-client|middleware-|node-http-handler)/;
/** The goal for each function's code: less to load at each cold start. */
const MAX_BUNDLE_KIB = 250;

async function bundle(entry: string, name: string): Promise<{ file: string; metafile: Metafile }> {
  const file = join(scratch, name, 'index.mjs');
  const result = await build({ ...functionBuildOptions(entry), outfile: file, metafile: true, logLevel: 'silent' });
  return { file, metafile: result.metafile };
}

const ENTRIES = Object.fromEntries(['registry', 'management', 'jobs', 'pull-through', 'webhooks', 'rotation'].map((name) => [name, `lambdas/${name}/handler.ts`]));

describe('the function bundles', () => {
  it(`hold none of the SDK's clients or credential chain, are at most ${MAX_BUNDLE_KIB} KiB minified, and ship a source map beside the code`, async () => {
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const { file, metafile } = await bundle(entry, name);
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.filter((input) => SDK_RUNTIME.test(input)), name).toEqual([]);
      expect(inputs, name).toContain('lambdas/aws/credentials.ts');
      expect(metafile.outputs[Object.keys(metafile.outputs).find((output) => output.endsWith('index.mjs'))!]!.bytes / 1024, name).toBeLessThanOrEqual(MAX_BUNDLE_KIB);
      expect(existsSync(`${file}.map`), name).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\n?$/);
    }
  });

  it('sign with the credentials of the Lambda environment', async () => {
    const { file } = await bundle(ENTRIES.registry, 'registry-started');
    const authorizations: string[] = [];
    const secrets = createServer((request, response) => {
      authorizations.push(request.headers.authorization ?? '');
      request.resume().on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not here' }));
      });
    });
    secrets.listen(0, '127.0.0.1');
    await once(secrets, 'listening');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(file)}); setTimeout(() => {}, 20000);`], {
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIALAMBDAROLE000001',
        AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
        AWS_SESSION_TOKEN: 'lambda-role-session',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
        BERTH_ACCOUNT_ID: '123456789012',
        BERTH_TABLE: 'table',
        BERTH_BUCKET: 'bucket',
        BERTH_REGISTRY_HOST: 'registry.example.com',
        BERTH_TOKEN_SECRET_ARN: 'token-secret',
      },
      stdio: 'ignore',
    });
    try {
      // The registry function asks for its token key during init.
      await expect.poll(() => authorizations.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(authorizations[0]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIALAMBDAROLE000001\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, /);
    } finally {
      child.kill();
      secrets.close();
    }
  });
});

describe('the credentials in a bundle', () => {
  it('are the environment\'s, and their absence is said as such', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT00001', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' });
      await expect(environmentCredentials()).resolves.toEqual({ accessKeyId: 'AKIAENVIRONMENT00001', secretAccessKey: 'secret', sessionToken: 'session' });
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await expect(environmentCredentials()).rejects.toThrow('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this function takes credentials from the Lambda environment only');
    } finally {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe('source-mapped stack traces', () => {
  it('are off by default, and on for every function with the sourceMaps context key', () => {
    const { template } = berthStack(NO_GATEWAY);
    for (const [id, properties] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
      expect(properties.Properties.Environment?.Variables?.NODE_OPTIONS, id).toBeUndefined();
    }
    const { template: debugging } = berthStack({ ...NO_GATEWAY, sourceMaps: 'true' });
    for (const role of Object.keys(FUNCTION_DESCRIPTIONS) as (keyof typeof FUNCTION_DESCRIPTIONS)[]) {
      expect(resource(debugging, functionId(debugging, role)).Properties.Environment.Variables.NODE_OPTIONS, role).toBe('--enable-source-maps');
    }
    expect(() => berthStack({ ...NO_GATEWAY, sourceMaps: 'yes' })).toThrow('context sourceMaps must be true or false, got "yes"');
  });

  it('come with a source map in the deployed asset, which NodejsFunction bundles with the same options', () => {
    const app = new App({ outdir: join(scratch, 'cdk.out') });
    const stack = new Stack(app, 'Bundled');
    new BerthFunction(stack, 'Jobs', {
      entry: 'lambdas/jobs/handler.ts',
      description: 'bundled',
      memorySize: 128,
      timeout: Duration.seconds(10),
      logRetention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const files = readdirSync(join(assembly.directory, assets[0]!));
    expect(files.sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(assembly.directory, assets[0]!, 'index.mjs'), 'utf8');
    expect(code).toContain('this function takes credentials from the Lambda environment only');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
  });
});

describe('the management function', () => {
  it('verifies other accounts\' principals with its region\'s STS endpoint, in the stack\'s partition', () => {
    const { template } = berthStack(NO_GATEWAY);
    const variables = resource(template, functionId(template, 'management')).Properties.Environment.Variables;
    expect(variables.BERTH_STS_ENDPOINT).toEqual({ 'Fn::Join': ['', ['https://sts.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] });
    expect(resource(template, functionId(template, 'registry')).Properties.Environment.Variables.BERTH_STS_ENDPOINT).toBeUndefined();
  });
});
