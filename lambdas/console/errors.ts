import type { HttpResponse } from '../shared/http/types.js';

/**
 * The console API's own errors, declared once, in the shape the management API
 * answers (`{"__type", "message"}`) so the page shows either the same way.
 * What the console forwards to the management API comes back in ECR's words.
 */
export const CONSOLE_ERRORS = {
  NotSignedIn: { status: 401, message: 'you are not signed in, or your session has ended: run `berth console` for a sign-in link' },
  SignInLinkInvalid: { status: 401, message: 'this sign-in link is unknown, already used or expired: run `berth console` for a new one' },
  CsrfTokenInvalid: { status: 403, message: 'the request lacks this session\'s CSRF token (X-CSRF-Token header); reload the console' },
  ActionNotForwarded: { status: 400, message: 'the console forwards ECR actions only, and not GetAuthorizationToken: use the berth CLI for the rest' },
  DocumentTooLarge: { status: 413, message: 'the document is larger than the console shows (1 MiB); read it with the CLI' },
  UnsupportedMediaType: { status: 415, message: 'the console API takes JSON: send Content-Type: application/json' },
  NotFound: { status: 404, message: 'there is no such page or file in the console' },
  MethodNotAllowed: { status: 405, message: 'the console does not answer this method here' },
  InvalidParameterException: { status: 400, message: 'the request is malformed' },
  ServerException: { status: 500, message: 'internal server error; the request was not completed and may be retried' },
} as const;

export type ConsoleErrorType = keyof typeof CONSOLE_ERRORS;

export class ConsoleError extends Error {
  constructor(readonly type: ConsoleErrorType, message: string = CONSOLE_ERRORS[type].message) {
    super(message);
    this.name = 'ConsoleError';
  }
}

export function consoleErrorResponse(error: ConsoleError): HttpResponse {
  return {
    status: CONSOLE_ERRORS[error.type].status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: Buffer.from(JSON.stringify({ __type: error.type, message: error.message })),
  };
}
