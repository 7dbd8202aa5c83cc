import { checkPresignedRequest, REGISTRY_BINDING_HEADER, StsRequestError } from './sts-request.js';
import { callerIdentityOf, stsFaultOf, type CallerIdentity } from './sts-response.js';

/** Where the registry verifies identities, and how old a request may be. */
export interface StsSettings {
  /** The STS endpoint, e.g. `https://sts.eu-west-1.amazonaws.com`: the only host requests go to. */
  endpoint: string;
  /** BERTH_STS_REQUEST_MAX_AGE_SECONDS. */
  maxAgeSeconds: number;
  /** BERTH_STS_TIMEOUT_SECONDS: how long STS has to answer; DEFAULT_STS_TIMEOUT_SECONDS when absent. */
  timeoutSeconds?: number;
}

/** STS answers in milliseconds; a caller waits no longer than this for one that does not, well within API Gateway's 30 s. */
export const DEFAULT_STS_TIMEOUT_SECONDS = 5;

export interface StsVerifierOptions extends StsSettings {
  /** The region the endpoint signs for: the registry's. */
  region: string;
  /** The registry's host, the value the binding header must have been signed with. */
  registryHost: string;
  now: () => Date;
}

/** The caller's request was refused, by the registry or by STS: a client fault. */
export class StsIdentityRefused extends Error {
  override name = 'StsIdentityRefused';
}

/** STS failed or answered nothing STS would: a server fault, whose details stay in the log. */
export class StsUnavailable extends Error {
  override name = 'StsUnavailable';
}

/**
 * Verifies a principal of any AWS account from its presigned GetCallerIdentity
 * request: checks the request (see checkPresignedRequest), sends it to the
 * registry's STS endpoint with the binding header set to the registry's own
 * host, and reads the caller from STS's answer.
 */
export function stsIdentityVerifier(options: StsVerifierOptions): (presignedUrl: string) => Promise<CallerIdentity> {
  const endpoint = new URL(options.endpoint);
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_STS_TIMEOUT_SECONDS) * 1000;
  return async (presignedUrl) => {
    let query: URLSearchParams;
    try {
      ({ query } = checkPresignedRequest(presignedUrl, { ...options, now: options.now() }));
    } catch (error) {
      if (error instanceof StsRequestError) throw new StsIdentityRefused(error.message);
      throw error;
    }
    let response: Response;
    let body: string;
    try {
      response = await fetch(`${endpoint.origin}/?${query}`, { headers: { [REGISTRY_BINDING_HEADER]: options.registryHost }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new StsUnavailable(`${endpoint.origin} did not answer within ${timeoutMs / 1000} s`);
      throw new StsUnavailable(`${endpoint.origin} could not be reached: ${(error as Error).message}`);
    }
    if (response.ok) {
      const caller = callerIdentityOf(body);
      if (!caller) throw new StsUnavailable(`${endpoint.origin} answered HTTP ${response.status} without a caller identity`);
      return caller;
    }
    const fault = stsFaultOf(body);
    if (fault && fault.type === 'Sender' && response.status >= 400 && response.status < 500) {
      throw new StsIdentityRefused(`STS refused the caller identity request: ${fault.code}: ${fault.message}`);
    }
    throw new StsUnavailable(`${endpoint.origin} answered HTTP ${response.status}${fault ? ` ${fault.code}: ${fault.message}` : ''}`);
  };
}
