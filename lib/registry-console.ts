import { Duration } from 'aws-cdk-lib';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DEFAULT_CONSOLE_SETTINGS, parseConsoleSettings } from '../lambdas/console/settings.js';

/** The web console's settings on AWS; the management function serves it at /console/. */
export interface RegistryConsoleOptions {
  /**
   * How long a sign-in link (`berth console`) works, once. 10 seconds to 1 hour.
   *
   * @default Duration.minutes(5)
   */
  readonly signInLinkLifetime?: Duration;
  /**
   * How long a console session lasts before signing in again. 1 minute to 12 hours.
   *
   * @default Duration.hours(1)
   */
  readonly sessionLifetime?: Duration;
}

/** The management function's environment for the console; a lifetime out of bounds fails the synth with the setting's own message. */
export function consoleEnvironment(options: RegistryConsoleOptions = {}): Record<string, string> {
  const environment = {
    BERTH_CONSOLE_LINK_SECONDS: String((options.signInLinkLifetime ?? Duration.seconds(DEFAULT_CONSOLE_SETTINGS.signInLinkSeconds)).toSeconds()),
    BERTH_CONSOLE_SESSION_SECONDS: String((options.sessionLifetime ?? Duration.seconds(DEFAULT_CONSOLE_SETTINGS.sessionSeconds)).toSeconds()),
  };
  parseConsoleSettings(environment);
  return environment;
}

/**
 * Builds the console's page (console/build.ts, esbuild) into the management function's bundle,
 * as console/ beside its handler, which serves it from there.
 */
export const CONSOLE_BUNDLING: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [`cd "${inputDir}" && node --import tsx console/build.ts "${outputDir}/console"`],
};

/** Why the console's routes have no API Gateway authorizer (cdk-nag APIG4). */
export const CONSOLE_ROUTE_AUTHENTICATION = 'The web console\'s page is public; its API authenticates each call by a session cookie that the management function issued for a one-time sign-in link, which API Gateway cannot verify.';
