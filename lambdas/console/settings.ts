import { wholeNumber } from '../shared/env-values.js';

/** How long the console's sign-in links and sessions last; the same settings on AWS and locally. */
export interface ConsoleSettings {
  /** BERTH_CONSOLE_LINK_SECONDS: a sign-in link works once, within this many seconds of being made (default 300). */
  signInLinkSeconds: number;
  /** BERTH_CONSOLE_SESSION_SECONDS: a console session lasts this long; then sign in again (default 3600). */
  sessionSeconds: number;
}

export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = { signInLinkSeconds: 300, sessionSeconds: 3600 };

export function parseConsoleSettings(env: Record<string, string | undefined>): ConsoleSettings {
  return {
    signInLinkSeconds: wholeNumber(env, 'BERTH_CONSOLE_LINK_SECONDS', DEFAULT_CONSOLE_SETTINGS.signInLinkSeconds, 10, 3600, 'seconds'),
    sessionSeconds: wholeNumber(env, 'BERTH_CONSOLE_SESSION_SECONDS', DEFAULT_CONSOLE_SETTINGS.sessionSeconds, 60, 12 * 3600, 'seconds'),
  };
}
