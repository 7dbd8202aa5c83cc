import { setTimeout as sleep } from 'node:timers/promises';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../shared/crypto/node-sha256.js';
import { AwsError } from './aws-error.js';
import { environmentCredentials, type Credentials, type CredentialsProvider } from './credentials.js';
import { serviceEndpoint, type ServiceName } from './endpoints.js';
import { nodeTransport, type RequestHandler } from './node-transport.js';

export interface AwsClientOptions {
  region: string;
  /** Where the service is reached: set for emulators; else AWS_ENDPOINT_URL_<SERVICE>, else AWS's own. */
  endpoint?: string;
  /** @default - the Lambda environment's (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) */
  credentials?: Credentials | CredentialsProvider;
  /** How requests are sent: Node's HTTP modules unless given (the cold-start bench answers from memory). */
  requestHandler?: RequestHandler;
  /** How long a connection may stay silent before the try fails (and is made again, as for a dropped one). @default 60 */
  idleTimeoutSeconds?: number;
  /** Tries of a call, the first included, as the SDK's standard retry mode. @default AWS_MAX_ATTEMPTS, else 3 */
  maxAttempts?: number;
}

export interface AwsService extends ServiceName {
  /** The name requests are signed for, e.g. `dynamodb`, `s3`. */
  signingName: string;
  /** S3 signs a path as sent; every other service signs it escaped once more. */
  signsRawPath?: boolean;
}

export interface AwsCall<T> {
  /** The operation's name, e.g. GetItem, for errors and call counts. */
  operation: string;
  method: string;
  /** Path below the endpoint's, escaped as it is to be sent. */
  path?: string;
  /** The host's name when not the endpoint's (S3 names a bucket in it). */
  hostname?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A body held in memory may be sent again; a stream is sent once, never retried. */
  body?: Uint8Array | string | NodeJS.ReadableStream;
  abortSignal?: AbortSignal;
  /** Reads the answer, throwing an AwsError for an error answer. */
  read(response: HttpResponse): Promise<T>;
}

/** Network faults that a second try of the same request may not meet. */
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

function retryable(error: unknown): boolean {
  if (error instanceof AwsError) return error.retryable;
  return TRANSIENT_NETWORK.has((error as { code?: string }).code ?? '');
}

/** The pause before try `attempt + 1`: exponential with full jitter, as the SDK's standard mode. */
function pause(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
}

/**
 * A small signed-request client for one AWS service: endpoint, SigV4 signing, kept connections
 * and the SDK's standard retries, with none of the SDK's per-service models. The functions call
 * a dozen operations; the SDK clients behind them were four fifths of every function's bundle.
 */
export class AwsClient {
  readonly endpoint: URL;
  /** Signs this service's requests. */
  readonly signer: SignatureV4;
  protected readonly region: string;
  protected readonly credentials: CredentialsProvider;
  private readonly handler: RequestHandler;
  private readonly maxAttempts: number;
  private readonly listeners: ((operation: string) => void)[] = [];

  constructor(service: AwsService, options: AwsClientOptions) {
    this.endpoint = serviceEndpoint(service, options.region, process.env, options.endpoint);
    this.region = options.region;
    const credentials = options.credentials ?? environmentCredentials;
    this.credentials = typeof credentials === 'function' ? credentials : async () => credentials;
    this.signer = new SignatureV4({
      service: service.signingName,
      region: options.region,
      credentials: this.credentials,
      sha256: NodeSha256,
      uriEscapePath: !service.signsRawPath,
    });
    this.handler = options.requestHandler ?? nodeTransport(options.idleTimeoutSeconds);
    this.maxAttempts = options.maxAttempts ?? (Number(process.env.AWS_MAX_ATTEMPTS) || 3);
  }

  /** Calls `listener` with the operation's name at each request sent, retries included (benchmarks count them). */
  onCall(listener: (operation: string) => void): void {
    this.listeners.push(listener);
  }

  /** A request to this service, unsigned (presigning starts from one). */
  request(call: Pick<AwsCall<unknown>, 'method' | 'path' | 'hostname' | 'query' | 'headers'>): HttpRequest {
    const { protocol, port, pathname } = this.endpoint;
    const hostname = call.hostname ?? this.endpoint.hostname;
    return new HttpRequest({
      protocol,
      hostname,
      ...(port ? { port: Number(port) } : {}),
      method: call.method,
      path: `${pathname.replace(/\/$/, '')}${call.path ?? '/'}`,
      query: { ...call.query },
      headers: { host: port ? `${hostname}:${port}` : hostname, ...call.headers },
    });
  }

  /** Sends the call, signed, and reads its answer; tries again as the SDK's standard mode does. */
  async call<T>(call: AwsCall<T>): Promise<T> {
    const replayable = call.body === undefined || typeof call.body === 'string' || call.body instanceof Uint8Array;
    for (let attempt = 1; ; attempt++) {
      const request = this.request(call);
      if (call.body !== undefined) request.body = call.body;
      for (const listener of this.listeners) listener(call.operation);
      try {
        const signed = await this.signer.sign(request) as HttpRequest;
        const { response } = await this.handler.handle(signed, call.abortSignal ? { abortSignal: call.abortSignal } : {});
        return await call.read(response);
      } catch (error) {
        if (attempt >= this.maxAttempts || !replayable || call.abortSignal?.aborted || !retryable(error)) throw error;
        await pause(attempt);
      }
    }
  }
}

/** The whole body of an answer. */
export async function bodyOf(response: HttpResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
