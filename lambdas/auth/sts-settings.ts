import { ConfigError, wholeNumber } from '../shared/config.js';
import type { StsSettings } from './sts-identity.js';

/** BERTH_STS_REQUEST_MAX_AGE_SECONDS's default: AWS's own clock-skew allowance for a signature. */
export const DEFAULT_STS_REQUEST_MAX_AGE_SECONDS = 300;

type Env = Record<string, string | undefined>;

/**
 * Where the management function verifies identities of other accounts: BERTH_STS_ENDPOINT (the
 * stack sets its region's endpoint), or none, which turns the STS token routes off. HTTPS only,
 * except on this machine's loopback, where tests run an STS of their own.
 */
export function parseStsSettings(env: Env): StsSettings | undefined {
  const endpoint = env.BERTH_STS_ENDPOINT?.trim();
  if (endpoint === undefined || endpoint === '') return undefined;
  const loopback = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/;
  if (!/^https:\/\/[^/?#]+$/.test(endpoint) && !loopback.test(endpoint)) {
    throw new ConfigError(`BERTH_STS_ENDPOINT must be an https:// URL with no path, such as https://sts.eu-west-1.amazonaws.com, got ${JSON.stringify(endpoint)}`);
  }
  return {
    endpoint,
    maxAgeSeconds: wholeNumber(env, 'BERTH_STS_REQUEST_MAX_AGE_SECONDS', DEFAULT_STS_REQUEST_MAX_AGE_SECONDS, 1, 900, 'seconds'),
  };
}
