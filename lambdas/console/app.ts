import { ECR_TARGET_PREFIX } from '../management/app.js';
import type { Principal } from '../management/context.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { IAM_PREFIX } from '../shared/paths.js';
import type { ConsoleAssets } from './assets.js';
import { readCookie, sessionCookie, sessionCookieName } from './cookies.js';
import { ConsoleError, consoleErrorResponse } from './errors.js';
import { CONSOLE_API_PATH, CONSOLE_PATH } from './paths.js';
import { csrfMatches, type ConsoleSession, type ConsoleSessions } from './sessions.js';
import type { ConsoleIdentity } from './sign-in-store.js';
import type { ConsoleSignIns } from './sign-ins.js';

/** Image configs are small JSON documents; anything larger is not shown. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConsoleDeps {
  assets: ConsoleAssets;
  sessions: ConsoleSessions;
  signIns: ConsoleSignIns;
  /** The API's principal for a session's identity now; undefined once it may no longer act (its issued key is gone). */
  principalOf: (identity: ConsoleIdentity) => Promise<Principal | undefined>;
  /** The management API, answering `request` as `principal` with its own authorization and errors. */
  api: (request: HttpRequest, principal: Principal) => Promise<HttpResponse>;
  /** Reads a presigned download URL the API handed out. */
  download: (url: string, maxBytes: number) => Promise<Buffer>;
  /** Served over HTTPS: the session cookie is then Secure. */
  secure: boolean;
  log: (message: string, error: unknown) => void;
}

/** What the console's page sends with each API call once signed in. */
interface SignedIn {
  session: ConsoleSession;
  principal: Principal;
}

/**
 * The web console at /console/: its page and files, and its small API. The
 * API signs in with a one-time link's code, keeps the session in an HttpOnly
 * cookie, and forwards ECR actions to the management API as the signed-in
 * principal, so the console may do exactly what that principal may do there.
 * Every POST but the sign-in itself carries the session's CSRF token.
 */
export function createConsoleApp(deps: ConsoleDeps): HttpApp {
  const cookieName = sessionCookieName(deps.secure);

  async function signedIn(request: HttpRequest): Promise<SignedIn> {
    const token = readCookie(request.headers.cookie, cookieName);
    const session = token === undefined ? undefined : await deps.sessions.verify(token);
    const principal = session && (await deps.principalOf(session.identity));
    if (!session || !principal) throw new ConsoleError('NotSignedIn');
    return { session, principal };
  }

  /** A state change, or any API call: JSON only (a cross-site form cannot send it) and the session's CSRF token. */
  async function change(request: HttpRequest): Promise<SignedIn> {
    requireJson(request);
    const caller = await signedIn(request);
    if (!csrfMatches(caller.session, request.headers['x-csrf-token'])) throw new ConsoleError('CsrfTokenInvalid');
    return caller;
  }

  async function signIn(request: HttpRequest): Promise<HttpResponse> {
    requireJson(request);
    const { code } = jsonBody(request);
    const identity = typeof code === 'string' ? await deps.signIns.redeem(code) : undefined;
    if (!identity) throw new ConsoleError('SignInLinkInvalid');
    const { token, session } = await deps.sessions.issue(identity);
    const response = json(sessionView(session));
    response.headers['set-cookie'] = sessionCookie(deps.secure, token, deps.sessions.lifetimeSeconds);
    return response;
  }

  async function forward(request: HttpRequest): Promise<HttpResponse> {
    const { principal } = await change(request);
    const target = request.headers['x-amz-target'];
    if (!target) throw new ConsoleError('InvalidParameterException', 'name the ECR action in an X-Amz-Target header');
    // ECR's actions only: Berth's own (access keys, sign-in links) are for the CLI, and a registry token would be a long-lived secret in the page.
    if (!target.startsWith(ECR_TARGET_PREFIX) || target === `${ECR_TARGET_PREFIX}GetAuthorizationToken`) throw new ConsoleError('ActionNotForwarded');
    return deps.api(apiRequest(target, request.body), principal);
  }

  /** An image's config blob, read through GetDownloadUrlForLayer so the API decides who may read it. */
  async function imageConfig(request: HttpRequest): Promise<HttpResponse> {
    const { principal } = await change(request);
    const { repositoryName, digest } = jsonBody(request);
    const input = JSON.stringify({ repositoryName, layerDigest: digest });
    const answer = await deps.api(apiRequest(`${ECR_TARGET_PREFIX}GetDownloadUrlForLayer`, Buffer.from(input)), principal);
    if (answer.status !== 200) return answer;
    const { downloadUrl } = JSON.parse(answer.body!.toString('utf8')) as { downloadUrl: string };
    const body = await deps.download(downloadUrl, MAX_CONFIG_BYTES);
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body };
  }

  /** The console API's calls, by path under /console/api/ and method. */
  const routes: Record<string, Partial<Record<string, (request: HttpRequest) => Promise<HttpResponse>>>> = {
    session: {
      GET: async (got) => json(sessionView((await signedIn(got)).session)),
      POST: signIn,
    },
    'sign-out': {
      POST: async (got) => {
        await change(got);
        return { status: 204, headers: { 'set-cookie': sessionCookie(deps.secure, '', 0), 'cache-control': 'no-store' } };
      },
    },
    ecr: { POST: forward },
    'image-config': { POST: imageConfig },
  };

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    const { method, path } = request;
    if (path === CONSOLE_PATH) return { status: 308, headers: { location: `${CONSOLE_PATH}/` } };
    if (path === `${CONSOLE_PATH}/` || path.startsWith(`${CONSOLE_PATH}/assets/`)) {
      if (method !== 'GET' && method !== 'HEAD') throw new ConsoleError('MethodNotAllowed');
      return asset(deps.assets, path === `${CONSOLE_PATH}/` ? 'index.html' : path.slice(`${CONSOLE_PATH}/assets/`.length));
    }
    const api = path.startsWith(`${CONSOLE_API_PATH}/`) ? path.slice(CONSOLE_API_PATH.length + 1) : undefined;
    const route = api === undefined || !Object.hasOwn(routes, api) ? undefined : routes[api];
    if (!route) throw new ConsoleError('NotFound');
    const handler = route[method];
    if (!handler) throw new ConsoleError('MethodNotAllowed');
    return handler(request);
  }

  return async (request) => {
    try {
      return await dispatch(request);
    } catch (error) {
      if (error instanceof ConsoleError) return consoleErrorResponse(error);
      deps.log('console request failed', error);
      return consoleErrorResponse(new ConsoleError('ServerException'));
    }
  };
}

/** The management API request of an ECR action, at the path whose authenticator is the console's. */
function apiRequest(target: string, body: Buffer): HttpRequest {
  return {
    method: 'POST',
    path: IAM_PREFIX,
    query: new URLSearchParams(),
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
    body,
  };
}

function requireJson(request: HttpRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ConsoleError('UnsupportedMediaType');
}

function jsonBody(request: HttpRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Answered below, as any body that is not a JSON object.
  }
  throw new ConsoleError('InvalidParameterException', 'the request body must be a JSON object');
}

function sessionView(session: ConsoleSession): Record<string, unknown> {
  return {
    principalArn: session.identity.principalArn,
    accountId: session.identity.accountId,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt.toISOString(),
  };
}

function json(value: Record<string, unknown>): HttpResponse {
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: Buffer.from(JSON.stringify(value)) };
}

/** Scripts and styles only from the console itself: no inline script, no other origin, no framing. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function asset(assets: ConsoleAssets, name: string): HttpResponse {
  const found = assets.get(name);
  if (!found) throw new ConsoleError('NotFound');
  return { status: 200, headers: { 'content-type': found.contentType, 'cache-control': 'no-cache', ...PAGE_HEADERS }, body: found.body };
}
