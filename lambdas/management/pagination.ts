import { EcrError } from './errors.js';

/**
 * nextToken values are opaque to clients: base64url of the last key returned.
 * A token that does not decode is refused as ECR refuses one it did not issue.
 */
export function encodeToken(last: string): string {
  return Buffer.from(JSON.stringify({ last })).toString('base64url');
}

export function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { last?: unknown };
    if (typeof parsed.last === 'string') return parsed.last;
  } catch {
    // fall through to the error below
  }
  throw new EcrError('InvalidParameterException', 'Invalid parameter at \'nextToken\' failed to satisfy constraint: \'the token was not issued by this registry\'');
}
