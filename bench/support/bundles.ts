import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionBuildOptions } from '../../lib/berth-function.js';

/** A function's bundle as deployed, and what it is made of. */
export interface BuiltBundle {
  name: string;
  /** The bundle file, `index.mjs`, with its source map beside it. */
  file: string;
  bytes: number;
  /** Bytes of the AWS SDK (@aws-sdk, @smithy, @aws) in the bundle. */
  sdkBytes: number;
}

const SDK = /node_modules\/@(aws-sdk|smithy|aws)\//;

function sdkBytesOf(metafile: Metafile): number {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined)!;
  return Object.entries(output.inputs).filter(([path]) => SDK.test(path)).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

async function bundle(name: string, entry: string, dir: string, overrides: { stdin?: { contents: string; resolveDir: string } } = {}): Promise<BuiltBundle> {
  const file = join(dir, name, 'index.mjs');
  mkdirSync(join(dir, name), { recursive: true });
  const options = functionBuildOptions(entry);
  const result = await build({
    ...options,
    ...(overrides.stdin ? { entryPoints: undefined, stdin: { ...overrides.stdin, loader: 'ts' } } : {}),
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))!;
  return { name, file, bytes: output[1].bytes, sdkBytes: sdkBytesOf(result.metafile) };
}

/** Builds each function's handler as NodejsFunction does (lib/berth-function.ts) into `dir`. */
export async function buildFunctionBundles(entries: Record<string, string>, dir: string): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = [];
  for (const [name, entry] of Object.entries(entries)) built.push(await bundle(name, entry, dir));
  return built;
}

/**
 * The baseline: a module that imports one SDK client and makes it, bundled the same way. What a
 * function costs beyond it is Berth's own.
 */
export async function buildBareClient(name: string, source: string, dir: string): Promise<BuiltBundle> {
  const projectRoot = join(import.meta.dirname, '..', '..');
  return bundle(name, 'lambdas/registry/handler.ts', dir, { stdin: { contents: source, resolveDir: projectRoot } });
}
