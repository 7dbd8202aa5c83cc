import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LambdaHandler } from './http-server.js';

/**
 * Local mode's one process makes every change to repository policies (the
 * management API sets and deletes them, creates and deletes repositories; a
 * push may create one). Once a request that may have done so completes, the
 * registry forgets the policies it remembers, so its policy cache never
 * delays a change made through the server.
 */
export class PolicyChanges {
  private readonly listeners: (() => void)[] = [];

  /** Pass as BerthParts.policyChanges. */
  readonly subscribe = (forget: () => void): void => {
    this.listeners.push(forget);
  };

  /** `handler`, telling the listeners after each request that `mayChange` says may have changed a policy, failed or not. */
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
