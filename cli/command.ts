import type { ECRClient } from '@aws-sdk/client-ecr';
import type { BerthApi } from './berth-api.js';
import type { RegistryTarget } from './registry.js';

/** What a command sends its requests through: the ECR client, or a fake of it in tests. */
export type Ecr = Pick<ECRClient, 'send'>;

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given more than once; the values arrive as a list. */
  multiple?: boolean;
  short?: string;
  /** The placeholder of a string option's value in help, e.g. URL. */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandInput {
  positionals: string[];
  options: OptionValues;
}

export interface CommandContext {
  registry: RegistryTarget;
  /** The client, made on first use, so that usage errors need neither credentials nor a registry. */
  ecr(): Ecr;
  /** The client of Berth's own routes (tokens, access keys), made on first use like ecr(). */
  api(): BerthApi;
  /** The environment the command runs in (DOCKER_CONFIG, HOME, PATH, ...). */
  env: NodeJS.ProcessEnv;
  /** The contents of a file, or of standard input for `-`. */
  readInput(path: string): Promise<string>;
  /** Standard input as bytes (docker-archive:-). */
  stdinStream?(): NodeJS.ReadableStream;
  /** Progress for people on stderr, while the command runs; absent in tests that do not watch it. */
  progress?: { write(text: string): void; isTty: boolean };
  /** Clients of another registry than --registry's, e.g. the one a push destination names. */
  clientsFor?(registry: RegistryTarget): { ecr: Ecr; api: BerthApi; destroy(): void };
}

/** What a command produced: its data for `--json`, and the same for people. */
export interface CommandResult {
  data: unknown;
  text(): string;
  /** Partial failures (e.g. images that could not be deleted), one line each on stderr; the exit code becomes 1. */
  problems?: string[];
}

export interface Command {
  /** The words that name it: ['repository', 'create'], or ['tag']. */
  name: readonly string[];
  /** Its positional arguments in order; a last one ending in `...` takes one or more values. */
  args: readonly string[];
  /** The rest of its usage line after the arguments, e.g. `[--force]`. */
  synopsis?: string;
  summary: string;
  /** What berth says when Ctrl-C stops the command, e.g. how to go on; without it Ctrl-C just stops it. */
  interrupted?: string;
  options?: Record<string, OptionSpec>;
  run(input: CommandInput, context: CommandContext): Promise<CommandResult>;
}

/** A string option given once at most. */
export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** A string option that may be repeated; empty when absent. */
export function stringsOption(input: CommandInput, name: string): string[] {
  const value = input.options[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : [];
}

export function flagOption(input: CommandInput, name: string): boolean {
  return input.options[name] === true;
}

/** Options every command takes, wherever they appear on the line. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  registry: { type: 'string', value: 'URL', description: 'the registry (default: $BERTH_REGISTRY, else the local registry `npm start` started last, else http://127.0.0.1:5000)' },
  json: { type: 'boolean', description: 'print the API\'s response as JSON instead of a table' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};
