import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LambdaHandler } from './http-server.js';

/**
 * Local mode's one process makes every change to repositories (the management
 * API sets and deletes policies, creates and deletes repositories; a push may
 * create one, a DELETE unlink a blob). Once a request that may have done so
 * completes, the registry forgets the blob links it read ahead and (when asked)
 * the policies it remembers, so neither cache delays a change made through the server.
 */
export class LocalChanges {
  private readonly listeners: (() => void)[] = [];

  /** Pass as BerthParts.policyChanges and BerthParts.storeChanges. */
  readonly subscribe = (forget: () => void): void => {
    this.listeners.push(forget);
  };

  /** `handler`, telling the listeners after each request that `mayChange` says may have changed something, failed or not. */
  after(handler: LambdaHandler, mayChange: (event: APIGatewayProxyEventV2) => boolean): LambdaHandler {
    return async (event) => {
      try {
        return await handler(event);
      } finally {
        if (mayChange(event)) for (const forget of this.listeners) forget();
      }
    };
  }
}

/** Registry requests that only read: every other method may create a repository (create-on-push) or delete one's content. */
export function isRegistryWrite(event: APIGatewayProxyEventV2): boolean {
  const method = event.requestContext.http.method.toUpperCase();
  return method !== 'GET' && method !== 'HEAD';
}
