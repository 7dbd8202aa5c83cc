import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What `berth` and `docker-credential-berth` run: the bundle of their name in
 * this directory, built first from the checkout's sources when it is missing
 * or older than one of them. So `npm link` needs no install script, and a
 * checkout updated by git runs what it holds.
 */
export async function launch(name) {
  const dir = dirname(fileURLToPath(import.meta.url));
  const bundle = join(dir, `${name}.mjs`);
  if (!upToDate(bundle)) build(dir);
  await import(pathToFileURL(bundle).href);
}

/** The bundle exists, and no source it was built from changed since. */
function upToDate(bundle) {
  try {
    const built = statSync(bundle).mtimeMs;
    const root = checkoutRoot();
    const inputs = JSON.parse(readFileSync(`${bundle}.inputs.json`, 'utf8'));
    return inputs.every((input) => statSync(join(root, input)).mtimeMs <= built);
  } catch {
    // No bundle, no list of its sources, or a source gone: build.
    return false;
  }
}

function checkoutRoot() {
  return dirname(dirname(realpathSync(fileURLToPath(new URL('../scripts/build-cli.ts', import.meta.url)))));
}

function build(dir) {
  process.stderr.write('berth: building the CLI from the checkout\'s sources (once after each change)…\n');
  const root = checkoutRoot();
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-cli.ts'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write(`berth: the CLI could not be built (${result.error?.message ?? `exit code ${result.status}`}); run npm install in ${root}, then npm run build:cli\n`);
    process.exit(1);
  }
}
