/**
 * The transport-neutral request and response that every Berth app works on.
 * Lambda events and the local server are adapted to and from these shapes,
 * so the core never sees API Gateway or Node's http module.
 */
export interface HttpRequest {
  method: string;
  /** Path without the query string, percent-decoded per segment by the adapter. */
  path: string;
  query: URLSearchParams;
  /** Header names are lower case; repeated headers are joined with ", " as API Gateway does. */
  headers: Record<string, string>;
  body: Buffer;
  /**
   * The body unread, where a service reads it as it arrives (the upload
   * gateway); `body` is then empty. Lambda has no such thing: API Gateway
   * delivers whole bodies.
   */
  bodyStream?: AsyncIterable<Uint8Array>;
  /** The caller API Gateway's IAM authorizer verified, on routes that have it. */
  iamCaller?: { arn: string; accountId: string };
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Headers that may appear more than once (e.g. OCI-Tag). */
  multiHeaders?: Record<string, string[]>;
  body?: Buffer;
}

export type HttpApp = (request: HttpRequest) => Promise<HttpResponse>;
