import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSystem, Stack } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import { buildSync } from 'esbuild';
import type { Construct } from 'constructs';
import { LAMBDA_RUNTIME } from './berth-function.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The gateway's entrypoint, from the project root: a long-running HTTP server. */
export const UPLOAD_GATEWAY_ENTRY = 'lambdas/upload-gateway/main.ts';

/** The container port the gateway listens on. */
export const UPLOAD_GATEWAY_PORT = 8080;

/**
 * The Node.js major the image runs: the Lambda functions' runtime (LAMBDA_RUNTIME), so the
 * gateway runs the shared upload code on the Node.js the functions run it on, and moving the
 * pin moves both.
 */
export function gatewayNodeMajor(): number {
  return Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)![1]);
}

/** The image's base: the official Node.js image, from ECR Public (no Docker Hub pull limits). */
export function gatewayBaseImage(): string {
  return `public.ecr.aws/docker/library/node:${gatewayNodeMajor()}-slim`;
}

/**
 * No RUN step: nothing executes while building, so an x86 machine builds the arm64 image
 * without emulation. The official image's `node` user (uid 1000) runs the server.
 */
function dockerfile(): string {
  return [
    `FROM ${gatewayBaseImage()}`,
    'WORKDIR /app',
    'COPY main.mjs main.mjs.map ./',
    'ENV NODE_ENV=production',
    'USER node',
    `EXPOSE ${UPLOAD_GATEWAY_PORT}`,
    'CMD ["node", "--enable-source-maps", "main.mjs"]',
    '',
  ].join('\n');
}

/**
 * The gateway's container image, built from the project's own code: synth bundles the
 * entrypoint with esbuild into a small build context (the bundle and a Dockerfile), which
 * CDK stages as an asset. Docker builds and pushes it at `cdk deploy`; synth needs no Docker.
 * A stack excluded from bundling (`aws:cdk:bundling-stacks`) gets the Dockerfile alone.
 */
export function uploadGatewayImage(scope: Construct, id: string): ecrAssets.DockerImageAsset {
  const directory = FileSystem.mkdtemp('berth-upload-gateway-');
  writeFileSync(join(directory, 'Dockerfile'), dockerfile());
  if (Stack.of(scope).bundlingRequired) bundle(directory);
  return new ecrAssets.DockerImageAsset(scope, id, {
    directory,
    platform: ecrAssets.Platform.LINUX_ARM64,
    displayName: 'Berth upload gateway',
  });
}

function bundle(directory: string): void {
  // Bundled in memory as if written inside the project, so the source map names the sources
  // by their project paths and the bundle (and the image's hash) is the same on every machine.
  const result = buildSync({
    entryPoints: [join(PROJECT_ROOT, UPLOAD_GATEWAY_ENTRY)],
    absWorkingDir: PROJECT_ROOT,
    outfile: join(PROJECT_ROOT, '.upload-gateway', 'main.mjs'),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${gatewayNodeMajor()}`,
    // The AWS SDK ES module builds tree-shake better than the CommonJS ones.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  for (const file of result.outputFiles) writeFileSync(join(directory, basename(file.path)), file.contents);
}
