import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { BERTH_ACTIONS } from './actions/berth-actions.js';
import { ACTIONS } from './actions/index.js';
import type { Action, ManagementServices, Principal } from './context.js';
import { EcrError, ecrErrorResponse, ecrInternalError } from './errors.js';

/** ECR's JSON 1.1 target prefix; the action follows the dot. */
export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
/** Berth's own actions (access keys, direct uploads) use the same protocol under this prefix. */
export const BERTH_TARGET_PREFIX = 'Berth_V1.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface ManagementDeps {
  services: ManagementServices;
  /** Establishes who signed the request, or throws an EcrError (403). */
  authenticate: (request: HttpRequest) => Promise<Principal>;
  log?: (message: string, error: unknown) => void;
}

/** The management API in Amazon ECR's own protocol: `POST /` with `X-Amz-Target`. */
export function createManagementApp(deps: ManagementDeps): HttpApp {
  const log = deps.log ?? ((message, error) => console.error(message, error));

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'POST' || request.path !== '/') {
      throw new EcrError('UnknownOperationException', `${request.method} ${request.path} is not an operation; send POST / with an X-Amz-Target header`);
    }
    const target = request.headers['x-amz-target'] ?? '';
    const action = findAction(target);
    if (!action) throw new EcrError('UnknownOperationException', `unknown operation ${JSON.stringify(target)}`);

    const principal = await deps.authenticate(request);
    const output = await action({ input: parseBody(request.body), principal, services: deps.services });
    const body = Buffer.from(JSON.stringify(output));
    return { status: 200, headers: { 'content-type': JSON_CONTENT_TYPE, 'content-length': String(body.length) }, body };
  }

  return async (request) => {
    try {
      return await dispatch(request);
    } catch (error) {
      return error instanceof EcrError ? ecrErrorResponse(error) : ecrInternalError(error, log);
    }
  };
}

function findAction(target: string): Action | undefined {
  const [table, name] = target.startsWith(ECR_TARGET_PREFIX)
    ? [ACTIONS, target.slice(ECR_TARGET_PREFIX.length)]
    : target.startsWith(BERTH_TARGET_PREFIX) ? [BERTH_ACTIONS, target.slice(BERTH_TARGET_PREFIX.length)] : [{}, ''];
  // Own properties only: "constructor" and friends are not actions.
  return Object.hasOwn(table, name) ? table[name] : undefined;
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
