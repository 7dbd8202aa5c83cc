import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm run build:cli` writes the bundles that bin/berth.js and bin/docker-credential-berth.js run. */
export const BIN_DIR = join(ROOT, 'bin');
/** The `berth` bundle. */
export const CLI_BUNDLE = join(BIN_DIR, 'berth.mjs');
/** The bundle of docker's credential helper, `docker-credential-berth`. */
export const HELPER_BUNDLE = join(BIN_DIR, 'docker-credential-berth.mjs');
const CLI_ENTRYPOINT = join(ROOT, 'cli', 'berth.ts');
const HELPER_ENTRYPOINT = join(ROOT, 'cli', 'docker-credential-berth.ts');

/** The sources a bundle was built from (bin/launch.js rebuilds it when one is newer): `<bundle>.inputs.json`. */
export function inputsFile(bundle: string): string {
  return `${bundle}.inputs.json`;
}

/**
 * Bundles an entrypoint and everything it imports (the AWS SDK included) into
 * one ES module, so that it starts without resolving hundreds of files in
 * node_modules. Written whole under another name and renamed, so that a
 * process starting meanwhile runs the old bundle or the new, never half of one.
 */
async function bundle(entryPoint: string, outfile: string): Promise<void> {
  const temporary = `${outfile}.${process.pid}.tmp.mjs`;
  mkdirSync(dirname(outfile), { recursive: true });
  try {
    const { metafile } = await build({
      entryPoints: [entryPoint],
      outfile: temporary,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // The SDK's ES module builds tree-shake better than its CommonJS ones.
      mainFields: ['module', 'main'],
      minify: true,
      legalComments: 'eof',
      logLevel: 'warning',
      metafile: true,
      // For `npm link` and global installs, which run the file itself.
      banner: { js: '#!/usr/bin/env node' },
    });
    chmodSync(temporary, 0o755);
    // Berth's own sources, which change in a checkout; node_modules change only with npm install.
    const inputs = Object.keys(metafile.inputs).filter((input) => !input.includes('node_modules')).map((input) => relative(ROOT, resolve(input)));
    writeFileSync(inputsFile(outfile), `${JSON.stringify(inputs)}\n`);
    renameSync(temporary, outfile);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Builds `berth` (cli/berth.ts). */
export async function buildCli(outfile = CLI_BUNDLE): Promise<void> {
  await bundle(CLI_ENTRYPOINT, outfile);
}

/** Builds `docker-credential-berth` (cli/docker-credential-berth.ts), which docker runs on every pull and push: it imports no ECR client. */
export async function buildCredentialHelper(outfile = HELPER_BUNDLE): Promise<void> {
  await bundle(HELPER_ENTRYPOINT, outfile);
}

// `tsx scripts/build-cli.ts [DIR]` builds both bundles into DIR (default bin/).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? resolve(process.argv[2]) : BIN_DIR;
  await Promise.all([buildCli(join(dir, 'berth.mjs')), buildCredentialHelper(join(dir, 'docker-credential-berth.mjs'))]);
}
