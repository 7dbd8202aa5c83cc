import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.js';
import { alignColumns } from './output.js';

/** The help texts: of `berth`, of a group of commands (`berth images`), and of one command. */

export function usageLine(command: Command): string {
  return ['berth', ...command.name, ...command.args, ...(command.synopsis ? [command.synopsis] : [])].join(' ');
}

export function topHelp(commands: readonly Command[]): string {
  return [
    'Usage: berth <command> [options]',
    '',
    'Logs docker in to a Berth registry, and manages its repositories and access keys through its ECR-compatible API.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${usageLine(command)}`),
    '',
    ...globalOptionsSection(),
    '',
    'Run `berth <command> --help` for what a command does and its options, `berth --version` for the version.',
    '',
    'Credentials come from the AWS default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and',
    'AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, ...); for a registry on this machine without',
    'them, from the profile berth-local in the credentials file of its data directory, which',
    '`npm start` writes and records in ~/.config/berth/local-registries.json (or $BERTH_DATA_DIR/credentials).',
    'The region is AWS_REGION or the profile\'s, us-east-1 for a local registry.',
  ].join('\n');
}

export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((command) => command.name[0] === group);
  return [
    `Usage: berth ${group} <command> [options]`,
    '',
    'Commands:',
    ...members.flatMap((command) => [`  ${usageLine(command)}`, `      ${command.summary}`]),
    '',
    ...globalOptionsSection(),
  ].join('\n');
}

/** What a usage error shows under its message: the usage line, and where the rest is. */
export function commandUsage(command: Command): string {
  return `Usage: ${usageLine(command)}\nRun \`berth ${command.name.join(' ')} --help\` for its options.`;
}

export function commandHelp(command: Command): string {
  const options = Object.entries(command.options ?? {});
  return [
    `Usage: ${usageLine(command)}`,
    '',
    command.summary,
    ...(options.length > 0 ? ['', 'Options:', optionLines(options)] : []),
    '',
    ...globalOptionsSection(),
  ].join('\n');
}

function globalOptionsSection(): string[] {
  return ['Global options:', optionLines(Object.entries(GLOBAL_OPTIONS))];
}

function optionLines(options: [string, OptionSpec][]): string {
  return alignColumns(options.map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.description + (spec.multiple ? ' (repeatable)' : '')];
  }), '  ');
}
