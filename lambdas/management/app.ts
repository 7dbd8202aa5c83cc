import type { AccessClass } from '../auth/actions.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { IAM_PREFIX, PULL_TOKEN_PATH, STS_PULL_TOKEN_PATH, STS_TOKEN_PATH, TOKEN_PATH } from '../shared/paths.js';
import { BERTH_ACTIONS } from './actions/berth-actions.js';
import { ACTIONS } from './actions/index.js';
import { authorizeAction } from './authorization.js';
import type { Action, ManagementServices, Principal } from './context.js';
import { EcrError, ecrErrorOfDomain, ecrErrorResponse, ecrInternalError } from './errors.js';
import { authorizationData } from './login-tokens.js';

/** ECR's JSON 1.1 target prefix; the action follows the dot. */
export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
/** Berth's own actions (access keys, direct uploads) use the same protocol under this prefix. */
export const BERTH_TARGET_PREFIX = 'Berth_V1.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export type Authenticator = (request: HttpRequest) => Promise<Principal>;

export interface ManagementDeps {
  services: ManagementServices;
  /** `POST /`: unmodified ECR tooling, signing for the service ecr with keys Berth issued. */
  authenticateEcr: Authenticator;
  /** `POST /iam…`: AWS principals, signing for execute-api (verified by API Gateway on AWS). */
  authenticateIam: Authenticator;
  /** `POST /sts/token…`: principals of other accounts, verified through STS by the function itself. */
  authenticateSts: Authenticator;
  log?: (message: string, error: unknown) => void;
}

/**
 * The management API: Amazon ECR's JSON 1.1 protocol (`X-Amz-Target`) at `/`
 * and at `/iam`, and the token routes for docker login. The token routes are
 * separate paths so that IAM policies can grant pull-only tokens alone; those
 * under /sts serve principals of other accounts, which the IAM authorizer refuses.
 */
export function createManagementApp(deps: ManagementDeps): HttpApp {
  const log = deps.log ?? ((message, error) => console.error(message, error));
  const all: AccessClass[] = ['pull', 'push', 'delete'];
  const tokenRoutes: Record<string, { classes: AccessClass[]; authenticate: Authenticator }> = {
    [TOKEN_PATH]: { classes: all, authenticate: deps.authenticateIam },
    [PULL_TOKEN_PATH]: { classes: ['pull'], authenticate: deps.authenticateIam },
    [STS_TOKEN_PATH]: { classes: all, authenticate: deps.authenticateSts },
    [STS_PULL_TOKEN_PATH]: { classes: ['pull'], authenticate: deps.authenticateSts },
  };

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'POST') throw unknownOperation(request);
    const path = request.path.replace(/(.)\/$/, '$1');
    const tokenRoute = Object.hasOwn(tokenRoutes, path) ? tokenRoutes[path] : undefined;
    if (tokenRoute) {
      const principal = await tokenRoute.authenticate(request);
      return json({ authorizationData: [await authorizationData(deps.services.login, principal, tokenRoute.classes)] });
    }
    if (path !== '/' && path !== IAM_PREFIX) throw unknownOperation(request);

    const target = request.headers['x-amz-target'] ?? '';
    const found = findAction(target);
    if (!found) throw new EcrError('UnknownOperationException', `unknown operation ${JSON.stringify(target)}`);
    const principal = await (path === IAM_PREFIX ? deps.authenticateIam : deps.authenticateEcr)(request);
    const input = parseBody(request.body);
    if (found.ecr) await authorizeAction(deps.services, principal, found.name, input);
    return json(await found.action({ input, principal, services: deps.services }));
  }

  return async (request) => {
    try {
      return await dispatch(request);
    } catch (error) {
      const known = error instanceof EcrError ? error : ecrErrorOfDomain(error, deps.services.identity.accountId);
      return known ? ecrErrorResponse(known) : ecrInternalError(error, log);
    }
  };
}

function unknownOperation(request: HttpRequest): EcrError {
  return new EcrError('UnknownOperationException', `${request.method} ${request.path} is not an operation; send POST / with an X-Amz-Target header`);
}

function json(output: Record<string, unknown>): HttpResponse {
  const body = Buffer.from(JSON.stringify(output));
  return { status: 200, headers: { 'content-type': JSON_CONTENT_TYPE, 'content-length': String(body.length) }, body };
}

function findAction(target: string): { action: Action; name: string; ecr: boolean } | undefined {
  const ecr = target.startsWith(ECR_TARGET_PREFIX);
  const [table, name] = ecr
    ? [ACTIONS, target.slice(ECR_TARGET_PREFIX.length)]
    : target.startsWith(BERTH_TARGET_PREFIX) ? [BERTH_ACTIONS, target.slice(BERTH_TARGET_PREFIX.length)] : [{}, ''];
  // Own properties only: "constructor" and friends are not actions.
  return Object.hasOwn(table, name) ? { action: table[name]!, name, ecr } : undefined;
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EcrError('SerializationException', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EcrError('SerializationException', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
