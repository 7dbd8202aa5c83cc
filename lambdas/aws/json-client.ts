import type { HttpResponse } from '@smithy/protocol-http';
import { AwsClient, bodyOf, type AwsClientOptions, type AwsService } from './aws-client.js';
import { AwsError } from './aws-error.js';

export interface JsonService extends AwsService {
  /** The X-Amz-Target prefix, e.g. DynamoDB_20120810. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
}

/** An error answer of the JSON protocols: the name in `__type` (after any namespace) or the header. */
function errorOf(status: number, headers: Record<string, string>, text: string): AwsError {
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) as Record<string, unknown> : {};
  } catch {
    // Not JSON (a proxy's page): the status says what there is to say.
  }
  const type = String(body.__type ?? headers['x-amzn-errortype'] ?? `HTTP${status}`);
  const name = type.slice(type.lastIndexOf('#') + 1).split(':')[0]!;
  const { __type: _type, message, Message, ...fields } = body;
  return new AwsError(name, String(message ?? Message ?? text.slice(0, 200)), status, fields, headers['x-amzn-requestid']);
}

/** A client of a service that speaks AWS's JSON protocol: DynamoDB, Secrets Manager, EventBridge, SQS. */
export class JsonClient extends AwsClient {
  constructor(private readonly service: JsonService, options: AwsClientOptions) {
    super(service, options);
  }

  /** Calls `operation` with `input` as the service's API reference has it, and returns its output. */
  send<Output = Record<string, unknown>>(operation: string, input: object, abortSignal?: AbortSignal): Promise<Output> {
    return this.call({
      operation,
      method: 'POST',
      headers: { 'content-type': `application/x-amz-json-${this.service.jsonVersion}`, 'x-amz-target': `${this.service.targetPrefix}.${operation}` },
      body: JSON.stringify(input),
      ...(abortSignal ? { abortSignal } : {}),
      read: async (response: HttpResponse) => {
        const text = (await bodyOf(response)).toString('utf8');
        if (response.statusCode >= 300) throw errorOf(response.statusCode, response.headers, text);
        return (text ? JSON.parse(text) : {}) as Output;
      },
    });
  }
}
