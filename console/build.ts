import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { contentTypeOf, type ConsoleAsset } from '../lambdas/console/assets.js';

const SOURCE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds the console's page: index.html, and app.js with app.css bundled and
 * minified by esbuild from main.ts. Held in memory (local mode builds it at
 * start); `node --import tsx console/build.ts DIR` writes it to DIR (the Lambda bundle).
 */
export async function buildConsoleAssets(): Promise<Map<string, ConsoleAsset>> {
  const result = await build({
    entryPoints: { app: join(SOURCE, 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    assets.set(name, { contentType: contentTypeOf(name), body: Buffer.from(file.contents) });
  }
  assets.set('index.html', { contentType: contentTypeOf('index.html'), body: readFileSync(join(SOURCE, 'index.html')) });
  return assets;
}

export async function writeConsoleAssets(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, asset] of await buildConsoleAssets()) writeFileSync(join(dir, name), asset.body);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node --import tsx console/build.ts OUTPUT_DIR');
  await writeConsoleAssets(dir);
}
