import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  /** The exit code; -1 when the process was killed (e.g. by the timeout) or could not start. */
  code: number;
  /** Raw bytes, since some outputs (raw manifests) are compared by digest. */
  stdout: Buffer;
  stderr: string;
}

/**
 * How long a test lets a child run: below the 30 s test timeout, so that a
 * hung client fails its test, killed, rather than outliving it.
 */
export const CHILD_TIMEOUT_MS = 20_000;

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /** The working directory (default: the test process's). */
  cwd?: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
}

/**
 * The one way the tests run a program: to completion, with `stdin` as its
 * input, killed with SIGKILL at the timeout (a client stuck on the network
 * may ignore SIGTERM). Never throws on a non-zero exit: failures are what some tests expect.
 */
export function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? CHILD_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let note = '';
    const timer = setTimeout(() => {
      note = `${command} was killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout: Buffer.alloc(0), stderr: `${error.message}\n` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(stdout), stderr: note + stderr });
    });
    child.stdin.on('error', () => undefined).end(options.stdin ?? '');
  });
}

let sharedHome: string | undefined;

/** A home of the test process's own for tools run without one of their own, removed when the process exits. */
function toolHome(): string {
  if (sharedHome === undefined) {
    const home = mkdtempSync(join(tmpdir(), 'berth-tool-home-'));
    process.once('exit', () => rmSync(home, { recursive: true, force: true }));
    // containers/image tools (buildah, podman) refuse a DOCKER_CONFIG without its config.json.
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), '{}');
    sharedHome = home;
  }
  return sharedHome;
}

/** Runs a tool in an isolated environment (see isolatedEnv) unless given another. */
export function runTool(path: string, args: string[], timeoutMs = CHILD_TIMEOUT_MS, env: NodeJS.ProcessEnv = isolatedEnv(toolHome())): Promise<ToolResult> {
  return runChild(path, args, { env, timeoutMs });
}

/**
 * The environment of a client process with a home of its own: the machine's,
 * less anything AWS, Berth, docker or containers/image would read, with HOME,
 * DOCKER_CONFIG and XDG_* in `home`, region us-east-1, no instance metadata,
 * and no docker daemon, so that no setting of the machine's leaks into a test.
 */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const leaks = /^(AWS_|BERTH_|DOCKER_|REGISTRY_AUTH_FILE$|XDG_|CONTAINERS_)/;
  const kept = Object.fromEntries(Object.entries(process.env).filter(([key]) => !leaks.test(key)));
  const runtimeDir = join(home, '.run');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  return {
    ...kept,
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}`,
    XDG_RUNTIME_DIR: runtimeDir,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    // An empty data directory: no local administrator key to fall back on.
    BERTH_DATA_DIR: join(home, 'no-berth-data'),
    ...extra,
  };
}
