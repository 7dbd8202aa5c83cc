/**
 * Stops what `npm start` started, DynamoDB Local's JVM above all, however the
 * process ends: Ctrl-C, SIGTERM, SIGHUP (its terminal closed), a failure while
 * starting, or an error nothing caught. Parts stop in the reverse order of their start.
 */
export class Supervisor {
  private readonly parts: (() => Promise<void>)[] = [];
  private stopping: Promise<never> | undefined;

  constructor(private readonly say: (line: string) => void) {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => void this.exit(0, `\n${signal}: stopping Berth…`));
    }
    process.on('uncaughtException', (error) => void this.exit(1, `berth: stopping after an unexpected error: ${describe(error, true)}`));
    process.on('unhandledRejection', (error) => void this.exit(1, `berth: stopping after an unexpected error: ${describe(error, true)}`));
  }

  /** Something to stop on the way out, e.g. the emulators once they run. */
  add(stop: () => Promise<void>): void {
    this.parts.push(stop);
  }

  /** Ends the process after a failure to start, in one line and without a stack trace: the message says what to do. */
  fail(error: unknown): Promise<never> {
    return this.exit(1, `berth: ${describe(error, false)}`);
  }

  /** Says why, stops every part (once, whatever asks again meanwhile), then exits with `code`. */
  private exit(code: number, why: string): Promise<never> {
    this.stopping ??= (async () => {
      this.say(why);
      for (const stop of this.parts.splice(0).reverse()) {
        await stop().catch((error: unknown) => this.say(`berth: while stopping: ${describe(error, false)}`));
      }
      process.exit(code);
    })();
    return this.stopping;
  }
}

function describe(error: unknown, withStack: boolean): string {
  if (!(error instanceof Error)) return String(error);
  return withStack && error.stack ? error.stack : error.message;
}
