import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where `npm run build:cli` writes the `berth` executable that package.json's bin names. */
export const CLI_BUNDLE = fileURLToPath(new URL('../bin/berth.mjs', import.meta.url));
/** Where it writes docker's credential helper, the bin `docker-credential-berth`. */
export const HELPER_BUNDLE = fileURLToPath(new URL('../bin/docker-credential-berth.mjs', import.meta.url));
const CLI_ENTRYPOINT = fileURLToPath(new URL('../cli/berth.ts', import.meta.url));
const HELPER_ENTRYPOINT = fileURLToPath(new URL('../cli/docker-credential-berth.ts', import.meta.url));

/**
 * Bundles an entrypoint and everything it imports (the AWS SDK included) into
 * one ES module, so that it starts without resolving hundreds of files in node_modules.
 */
async function bundle(entryPoint: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The SDK's ES module builds tree-shake better than its CommonJS ones.
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // For `npm link` and global installs, which run the file itself.
    banner: { js: '#!/usr/bin/env node' },
  });
  chmodSync(outfile, 0o755);
}

/** Builds `berth` (cli/berth.ts). */
export async function buildCli(outfile = CLI_BUNDLE): Promise<void> {
  await bundle(CLI_ENTRYPOINT, outfile);
}

/** Builds `docker-credential-berth` (cli/docker-credential-berth.ts), which docker runs on every pull and push: it imports no ECR client. */
export async function buildCredentialHelper(outfile = HELPER_BUNDLE): Promise<void> {
  await bundle(HELPER_ENTRYPOINT, outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await Promise.all([buildCli(), buildCredentialHelper()]);
}
