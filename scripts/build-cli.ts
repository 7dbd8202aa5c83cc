import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where `npm run build:cli` writes the `berth` executable that package.json's bin names. */
export const CLI_BUNDLE = fileURLToPath(new URL('../bin/berth.mjs', import.meta.url));
const ENTRYPOINT = fileURLToPath(new URL('../cli/berth.ts', import.meta.url));

/**
 * Bundles cli/berth.ts and everything it imports (the AWS SDK included) into
 * one ES module, so `berth` starts without resolving hundreds of files in node_modules.
 */
export async function buildCli(outfile = CLI_BUNDLE): Promise<void> {
  await build({
    entryPoints: [ENTRYPOINT],
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCli();
}
