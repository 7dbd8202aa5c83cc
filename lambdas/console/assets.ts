import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of the console's page, as served. */
export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

/** The console's built files by name: `index.html` and what it loads. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
}

/** The files a build wrote to `dir` (the Lambda bundle's copy), read once at cold start. */
export function readConsoleAssets(dir: string): ConsoleAssets {
  return new Map(readdirSync(dir).map((name) => [name, { contentType: contentTypeOf(name), body: readFileSync(join(dir, name)) }]));
}
