import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS, type Command, type CommandInput } from './command.js';
import { UsageError } from './errors.js';
import { commandHelp, commandUsage, groupHelp, topHelp } from './help.js';

/** What a command line asks for: help, or a command to run. */
export type Invocation =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; command: Command; input: CommandInput; registry: string | undefined; json: boolean };

/**
 * Reads `berth <group> [<command>] [args and options]`. The command's words come
 * first among the arguments; options, global ones included, may come anywhere.
 * Throws a UsageError carrying the usage of what was recognized.
 */
export function parseInvocation(argv: readonly string[], commands: readonly Command[]): Invocation {
  if (argv.length === 1 && argv[0] === '--version') return { kind: 'version' };
  const { words, rest } = splitWords(argv, commands);
  const wantsHelp = rest.slice(0, endOfOptions(rest)).some((arg) => arg === '--help' || arg === '-h');
  const [group, sub] = words;

  if (group === undefined) {
    if (wantsHelp) return { kind: 'help', text: topHelp(commands) };
    throw new UsageError('missing command', topHelp(commands));
  }
  const members = commands.filter((command) => command.name[0] === group);
  if (members.length === 0) throw new UsageError(`unknown command '${group}'`, topHelp(commands));
  const grouped = members.some((command) => command.name.length > 1);
  const command = members.find((candidate) => candidate.name.length === words.length && candidate.name.every((word, i) => word === words[i]));
  if (!command) {
    if (sub === undefined && wantsHelp) return { kind: 'help', text: groupHelp(group, commands) };
    throw new UsageError(sub === undefined ? `missing ${group} command` : `unknown command '${group} ${sub}'`, grouped ? groupHelp(group, commands) : topHelp(commands));
  }
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };

  const { positionals, values } = parseOptions(rest, command);
  checkArity(command, positionals);
  const { registry, json, help: _help, ...options } = values;
  return {
    kind: 'run',
    command,
    input: { positionals, options },
    registry: typeof registry === 'string' ? registry : undefined,
    json: json === true,
  };
}

/**
 * Takes the command's words (one, or two in a group like `repository`) out of
 * the line, skipping options before them, and the value of --registry.
 */
function splitWords(argv: readonly string[], commands: readonly Command[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  const wordsWanted = () => (words.length === 0 ? 1 : commands.some((command) => command.name[0] === words[0] && command.name.length > 1) ? 2 : 1);
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      rest.push(arg);
      if (arg === '--registry' && i + 1 < argv.length) rest.push(argv[++i]!);
    } else if (words.length < wordsWanted()) {
      words.push(arg);
    } else {
      rest.push(arg);
    }
  }
  return { words, rest };
}

function endOfOptions(args: readonly string[]): number {
  const end = args.indexOf('--');
  return end === -1 ? args.length : end;
}

function parseOptions(args: string[], command: Command): { positionals: string[]; values: CommandInput['options'] } {
  try {
    const { positionals, values } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    return { positionals, values };
  } catch (error) {
    // Node's messages go on to explain `--`; the first sentence says what is wrong.
    const message = error instanceof Error ? error.message.split(/\.\s|\.$|\n/)[0]! : String(error);
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1), commandUsage(command));
  }
}

function checkArity(command: Command, positionals: string[]): void {
  const variadic = command.args.at(-1)?.endsWith('...') ?? false;
  const required = command.args.length;
  if (positionals.length < required) {
    throw new UsageError(`missing ${command.args.slice(positionals.length).join(' ')}`, commandUsage(command));
  }
  if (!variadic && positionals.length > required) {
    throw new UsageError(`unexpected argument '${positionals[required]}'`, commandUsage(command));
  }
}
