import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { AccessKeyPair } from '../../local/admin-credentials.js';
import { buildCli, buildCredentialHelper } from '../../scripts/build-cli.js';
import { CHILD_TIMEOUT_MS, isolatedEnv, runChild } from './tools.js';

/**
 * `berth` and `docker-credential-berth` built from the current source into a
 * directory of this test file's own (test files run in parallel, and the
 * bundles in bin/ are another file's), and run the way users run them: the
 * helper on PATH through a symlink named as docker looks for it, as `npm link` makes it.
 */
export interface BerthBins {
  /** The berth bundle. */
  berth: string;
  /** A directory holding only `docker-credential-berth`, to put on PATH. */
  binDir: string;
  /** The helper, as docker runs it. */
  helper: string;
  /** Scratch space for the test file, removed after it. */
  scratch: string;
}

export function useBerthBins(): () => BerthBins {
  let bins: BerthBins | undefined;
  beforeAll(async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'berth-bins-'));
    const berth = join(scratch, 'bundles', 'berth.mjs');
    const helperBundle = join(scratch, 'bundles', 'docker-credential-berth.mjs');
    await Promise.all([buildCli(berth), buildCredentialHelper(helperBundle)]);
    const binDir = join(scratch, 'path');
    mkdirSync(binDir);
    const helper = join(binDir, 'docker-credential-berth');
    symlinkSync(helperBundle, helper);
    bins = { berth, binDir, helper, scratch };
  });
  afterAll(() => {
    if (bins) rmSync(bins.scratch, { recursive: true, force: true });
  });
  return () => {
    if (!bins) throw new Error('bins not built');
    return bins;
  };
}

/** A fresh, empty home directory under the file's scratch space: no docker config, AWS profile or cache of the machine's leaks in. */
export function freshHome(bins: BerthBins, name = 'home'): string {
  return mkdtempSync(join(bins.scratch, `${name}-`));
}

export interface ClientEnvOptions {
  /** AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the subprocess; none when omitted. */
  credentials?: AccessKeyPair;
  /** Put the helper on PATH (default true). */
  helperOnPath?: boolean;
  extra?: NodeJS.ProcessEnv;
}

/** The environment of a client subprocess (see isolatedEnv), with the helper on PATH unless told otherwise. */
export function clientEnv(bins: BerthBins, home: string, options: ClientEnvOptions = {}): NodeJS.ProcessEnv {
  return isolatedEnv(home, {
    PATH: options.helperOnPath === false ? process.env.PATH : [bins.binDir, process.env.PATH].join(delimiter),
    ...(options.credentials ? { AWS_ACCESS_KEY_ID: options.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey } : {}),
    ...options.extra,
  });
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with `stdin` as its input, its output as text (see runChild). */
export async function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, stdin: string | Buffer = '', timeoutMs = CHILD_TIMEOUT_MS): Promise<ProcessResult> {
  const { code, stdout, stderr } = await runChild(command, args, { env, stdin, timeoutMs });
  return { code, stdout: stdout.toString('utf8'), stderr };
}

/** `berth ARGS` from the bundle. */
export function runBerthBundle(bins: BerthBins, args: readonly string[], env: NodeJS.ProcessEnv, stdin: string | Buffer = ''): Promise<ProcessResult> {
  return runProcess(process.execPath, [bins.berth, ...args], env, stdin);
}

/** `docker-credential-berth ACTION` as docker runs it: found on PATH, the server URL on stdin. */
export function runHelper(bins: BerthBins, action: string, env: NodeJS.ProcessEnv, stdin = ''): Promise<ProcessResult> {
  return runProcess(bins.helper, [action], env, stdin);
}

/** Basic credentials for a user name and secret. */
export function basic(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}
