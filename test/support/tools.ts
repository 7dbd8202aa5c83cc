import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** External clients (skopeo, …) that the real-client tests drive. */

export interface ExternalTool {
  name: string;
  /** Absolute path of the executable, or undefined when it is not installed. */
  path: string | undefined;
  /** The command that installs it, quoted when it is missing. */
  install: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` at one of the `preferred` paths, else on PATH. */
export function locateTool(name: string, install: string, preferred: string[] = []): ExternalTool {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name));
  const path = [...preferred, ...onPath].find(isExecutable);
  return { name, path, install };
}

/** CI services set CI=true; an explicit "false" or "0" means a developer machine. */
export function isCi(): boolean {
  const value = process.env.CI?.trim().toLowerCase();
  return value !== undefined && !['', '0', 'false'].includes(value);
}

/**
 * The one rule for tests that need external clients: with one missing, a test
 * of its own explains it, since `skipIf` alone skips silently. In CI it fails:
 * a client the pipeline forgot to install would otherwise turn its tests off
 * without anyone noticing. Elsewhere it is skipped; either way the reason is in its name.
 */
function reportMissing(tools: ExternalTool[]): boolean {
  const missing = tools.filter((tool) => tool.path === undefined);
  for (const tool of missing) {
    const reason = `${tool.name} was not found on PATH; install it with \`${tool.install}\``;
    // The default reporter folds a file whose tests are all skipped into one line, hiding the test's name.
    if (!isCi()) console.warn(`Skipping the ${tool.name} tests: ${reason}.`);
    it.skipIf(!isCi())(`requires ${tool.name} (${reason})`, () => {
      throw new Error(`${reason}. CI (CI=${process.env.CI}) runs the real-client tests, so ${tool.name} is required there.`);
    });
  }
  return missing.length > 0;
}

/** Reports `tool` by the rule above when it is missing, for files that guard their tests themselves. */
export function reportMissingTool(tool: ExternalTool): void {
  reportMissing([tool]);
}

/** `describe` for tests that run `tools`: skipped, and reported by the rule above, when one is missing. */
export function describeWith(tools: ExternalTool[], name: string, body: () => void): void {
  describe.skipIf(reportMissing(tools))(name, body);
}

/** `it` for a test that runs `tools`, beside tests that need none of them. */
export function itWith(tools: ExternalTool[], name: string, body: () => Promise<void>, timeout?: number): void {
  it.skipIf(reportMissing(tools))(name, body, timeout);
}

export interface ToolResult {
  /** The exit code; -1 when the process was killed (e.g. by the timeout). */
  code: number;
  /** Raw bytes, since some outputs (raw manifests) are compared by digest. */
  stdout: Buffer;
  stderr: string;
}

/** Runs a tool to completion, never throwing on a non-zero exit: failures are what some tests expect. */
export function runTool(path: string, args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(path, args, { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      const spawnError = error !== null && typeof error.code === 'string' ? `${error.message}\n` : '';
      resolve({ code, stdout, stderr: spawnError + stderr.toString('utf8') });
    });
  });
}
