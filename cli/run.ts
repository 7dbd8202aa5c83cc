import { readFile } from 'node:fs/promises';
import packageJson from '../package.json' with { type: 'json' };
import { lastLocalRegistry } from '../local/local-registries.js';
import { parseInvocation, type Invocation } from './args.js';
import { createBerthApi, type BerthApi } from './berth-api.js';
import type { CommandContext, Ecr } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createEcrClient } from './ecr-client.js';
import { CliError, UsageError } from './errors.js';
import { explainError } from './explain.js';
import { commandUsage } from './help.js';
import { json } from './output.js';
import { resolveRegistry, type RegistryTarget } from './registry.js';

/** What `berth` runs against: the process's streams and environment, or a test's. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  /** Standard input as a byte stream, for commands that read binary input. */
  stdinStream?(): NodeJS.ReadableStream;
  /** Whether stderr is a terminal (progress bars) or not (progress lines). */
  stderrIsTty?: boolean;
  env: NodeJS.ProcessEnv;
  /** Makes the ECR client; createEcrClient unless a test gives a fake. */
  ecr?: (registry: RegistryTarget) => Ecr;
  /** Makes the client of Berth's own routes; createBerthApi unless a test gives a fake. */
  api?: (registry: RegistryTarget) => BerthApi;
  /** Runs `say` when Ctrl-C stops the process, before it exits. */
  onInterrupt?(say: () => void): void;
}

/** Exit codes: 0 done, 1 the registry (or something on the way) refused, 2 the command line was wrong. */
export async function runBerth(argv: readonly string[], io: Io): Promise<number> {
  let invocation: Invocation | undefined;
  let registry: RegistryTarget;
  try {
    invocation = parseInvocation(argv, COMMANDS);
    if (invocation.kind === 'help') {
      io.stdout(`${invocation.text}\n`);
      return 0;
    }
    if (invocation.kind === 'version') {
      io.stdout(`berth ${packageJson.version}\n`);
      return 0;
    }
    registry = resolveRegistry(invocation.registry, io.env, lastLocalRegistry(io.env)?.url);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, error, invocation?.kind === 'run' ? commandUsage(invocation.command) : undefined);
    throw error;
  }

  const { command, input } = invocation;
  const { interrupted } = command;
  if (interrupted) io.onInterrupt?.(() => io.stderr(`\nberth: ${interrupted}\n`));
  let client: (Ecr & { destroy?: () => void }) | undefined;
  let api: BerthApi | undefined;
  const context: CommandContext = {
    registry,
    ecr: () => (client ??= (io.ecr ?? createEcrClient)(registry)),
    api: () => (api ??= io.api ? io.api(registry) : createBerthApi(registry)),
    env: io.env,
    readInput: (path) => (path === '-' ? io.readStdin() : readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(error.code ?? 'UnreadableFile', `cannot read ${path}`);
    })),
    ...(io.stdinStream ? { stdinStream: io.stdinStream } : {}),
    progress: { write: (text) => io.stderr(text), isTty: io.stderrIsTty ?? false },
    clientsFor: (target) => {
      const ecr: Ecr & { destroy?: () => void } = (io.ecr ?? createEcrClient)(target);
      return { ecr, api: io.api ? io.api(target) : createBerthApi(target), destroy: () => ecr.destroy?.() };
    },
  };
  try {
    const result = await command.run(input, context);
    const output = invocation.json ? json(result.data) : result.text();
    if (output !== '') io.stdout(`${output}\n`);
    for (const problem of result.problems ?? []) io.stderr(`berth: ${problem}\n`);
    return result.problems?.length ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, error, commandUsage(command));
    const { name, message, hint } = explainError(error, { registry, repository: input.positionals[0] });
    io.stderr(`berth: ${name}: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
    return 1;
  } finally {
    client?.destroy?.();
  }
}

function usageFailure(io: Io, error: UsageError, fallbackUsage: string | undefined): number {
  const usage = error.usage ?? fallbackUsage;
  io.stderr(`berth: ${error.message}\n${usage ? `\n${usage}\n` : ''}`);
  return 2;
}
