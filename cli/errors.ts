/** A failure `berth` explains itself: printed as `berth: <name>: <message>`, exit code 1. */
export class CliError extends Error {
  constructor(name: string, message: string, readonly hint?: string) {
    super(message);
    this.name = name;
  }
}

/**
 * A command line that does not fit the command: printed with the command's
 * usage, exit code 2. The runner fills in `usage` when a command throws one.
 */
export class UsageError extends Error {
  constructor(message: string, public usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}
