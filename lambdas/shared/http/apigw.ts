import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpApp, HttpRequest, HttpResponse } from './types.js';

/** Turns an API Gateway HTTP API (payload v2) event into the app's request. */
export function requestFromEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  // Payload v2 delivers cookies apart from the headers; the apps read them as the one header browsers send.
  if (event.cookies?.length) headers.cookie = event.cookies.join('; ');
  const body = event.body === undefined || event.body === null
    ? Buffer.alloc(0)
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string; accountId?: string } } }).authorizer?.iam;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: decodePath(event.rawPath),
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
    ...(iam?.userArn && iam.accountId ? { iamCaller: { arn: iam.userArn, accountId: iam.accountId } } : {}),
  };
}

/** Decodes percent-escapes (clients may send `sha256%3A…`); a malformed escape stays as sent. */
export function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

/**
 * Turns the app's response into a payload v2 result. Bodies always travel
 * base64-encoded so that manifests stay byte-exact.
 */
export function resultFromResponse(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { ...response.headers };
  for (const [name, values] of Object.entries(response.multiHeaders ?? {})) {
    // Payload v2 has no multi-value headers; a comma-joined list is the HTTP equivalent.
    headers[name] = values.join(', ');
  }
  const body = response.body ?? Buffer.alloc(0);
  return {
    statusCode: response.status,
    headers,
    body: body.length > 0 ? body.toString('base64') : '',
    isBase64Encoded: body.length > 0,
  };
}

/** Wraps an app as a Lambda handler for API Gateway HTTP API events. */
export function lambdaHandler(app: HttpApp) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    resultFromResponse(await app(requestFromEvent(event)));
}
