import type { HttpResponse } from '@smithy/protocol-http';
import { AwsClient, bodyOf, type AwsCall, type AwsClientOptions } from './aws-client.js';
import { AwsError } from './aws-error.js';
import { configuredEndpoint } from './endpoints.js';
import { escapeUri, queryString } from './node-transport.js';
import { presignedQuery } from './sigv4-query.js';

export const S3_SERVICE = { hostPrefix: 's3', environmentId: 'S3', signingName: 's3', signsRawPath: true } as const;

/** The payload hash S3 is told to skip: bodies go over TLS, and Berth checks their digests itself. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The error names of answers without a body (HEAD, or a proxy's), by status, as the SDK names them. */
const STATUS_NAMES: Readonly<Record<number, string>> = { 301: 'PermanentRedirect', 304: 'NotModified', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 412: 'PreconditionFailed' };

/** Bucket names that can lead a host name under TLS (no dots, no capitals). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The text of an XML element, entities decoded; enough for S3's few flat answers. */
export function xmlText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match?.[1]!.replace(/&(quot|apos|lt|gt|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, decimal?: string, hex?: string) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' } as Record<string, string>)[name]!;
  });
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An S3 error answer: named by its XML Code, or by its status when it has no body. */
function errorOf(response: HttpResponse, body: string): AwsError {
  const code = xmlText(body, 'Code') ?? STATUS_NAMES[response.statusCode] ?? `HTTP${response.statusCode}`;
  return new AwsError(code, xmlText(body, 'Message') ?? '', response.statusCode, {}, response.headers['x-amz-request-id']);
}

async function ok(response: HttpResponse): Promise<HttpResponse> {
  if (response.statusCode < 300) return response;
  throw errorOf(response, (await bodyOf(response)).toString('utf8'));
}

/** Reads the whole of a successful answer (a small XML document at most), so its connection is free again; the text stays on it. */
async function done(response: HttpResponse): Promise<HttpResponse & { text: string }> {
  const text = (await bodyOf(await ok(response))).toString('utf8');
  // CompleteMultipartUpload may fail after its 200: the error is then the body.
  if (text.includes('<Error>')) throw errorOf({ ...response, statusCode: 500 } as HttpResponse, text);
  return Object.assign(response, { text });
}

/** A key as S3 escapes it in a path: each segment URI-encoded, the slashes kept. */
function escapeKey(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: Uint8Array | NodeJS.ReadableStream;
  ContentLength: number;
  /** URL-encoded tags, as in `x-amz-tagging`. */
  Tagging?: string;
  Metadata?: Record<string, string>;
}

export interface PresignOptions {
  expiresInSeconds: number;
  /** Headers the URL's user must send as given: signed, kept out of the query. */
  headers?: Record<string, string>;
}

/**
 * The S3 operations Berth calls, over AwsClient: path-style addressing when an endpoint is
 * given (emulators) or a bucket name cannot lead a host name, else virtual-hosted, as the SDK
 * chooses. Presigned URLs are the SDK's own, byte for byte (test/unit/s3-urls.test.ts).
 */
export class S3Api extends AwsClient {
  private readonly pathStyle: boolean;

  constructor(options: AwsClientOptions) {
    super(S3_SERVICE, options);
    this.pathStyle = configuredEndpoint(S3_SERVICE, process.env, options.endpoint) !== undefined;
  }

  /** Where an object's requests go: its host name and path. */
  private address(bucket: string, key?: string): Pick<AwsCall<unknown>, 'hostname' | 'path'> {
    const object = key === undefined ? '' : escapeKey(key);
    if (this.pathStyle || !VIRTUAL_HOSTABLE.test(bucket)) return { path: `/${bucket}${key === undefined ? '' : `/${object}`}` };
    return { hostname: `${bucket}.${this.endpoint.hostname}`, path: `/${object}` };
  }

  private send<T>(operation: string, bucket: string, key: string | undefined, call: Omit<AwsCall<T>, 'operation' | 'path' | 'hostname'>): Promise<T> {
    return this.call({ operation, ...this.address(bucket, key), ...call, headers: { 'x-amz-content-sha256': UNSIGNED_PAYLOAD, ...call.headers } });
  }

  async putObject(input: PutObjectInput, abortSignal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { 'content-length': String(input.ContentLength) };
    if (input.Tagging) headers['x-amz-tagging'] = input.Tagging;
    for (const [name, value] of Object.entries(input.Metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
    await this.send('PutObject', input.Bucket, input.Key, { method: 'PUT', headers, body: input.Body, ...(abortSignal ? { abortSignal } : {}), read: done });
  }

  /** The object's bytes, as they arrive. */
  async getObject(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.send('GetObject', bucket, key, { method: 'GET', read: ok });
    return response.body as AsyncIterable<Uint8Array>;
  }

  /** The object's length and, when asked for and stored, its SHA-256 checksum (base64). */
  async headObject(bucket: string, key: string, options: { checksum?: boolean } = {}): Promise<{ ContentLength: number; ChecksumSHA256?: string }> {
    const response = await this.send('HeadObject', bucket, key, {
      method: 'HEAD', ...(options.checksum ? { headers: { 'x-amz-checksum-mode': 'ENABLED' } } : {}), read: done,
    });
    const checksum = response.headers['x-amz-checksum-sha256'];
    return { ContentLength: Number(response.headers['content-length']), ...(checksum ? { ChecksumSHA256: checksum } : {}) };
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.send('DeleteObject', bucket, key, { method: 'DELETE', read: done });
  }

  async deleteObjectTagging(bucket: string, key: string): Promise<void> {
    await this.send('DeleteObjectTagging', bucket, key, { method: 'DELETE', query: { tagging: '' }, read: done });
  }

  async createMultipartUpload(bucket: string, key: string, options: { Tagging?: string } = {}): Promise<string> {
    const response = await this.send('CreateMultipartUpload', bucket, key, {
      method: 'POST', query: { uploads: '' }, ...(options.Tagging ? { headers: { 'x-amz-tagging': options.Tagging } } : {}), read: done,
    });
    const uploadId = xmlText(response.text, 'UploadId');
    if (!uploadId) throw new Error(`S3 answered CreateMultipartUpload for ${key} with no UploadId`);
    return uploadId;
  }

  /** Uploads a part; returns its ETag. */
  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const response = await this.send('UploadPart', bucket, key, {
      method: 'PUT', query: { partNumber: String(partNumber), uploadId }, headers: { 'content-length': String(body.length) }, body, read: done,
    });
    const etag = response.headers.etag;
    if (!etag) throw new Error(`S3 answered UploadPart ${partNumber} of ${key} with no ETag`);
    return etag;
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    const body = '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
      + parts.map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${xmlEscape(part.etag)}</ETag></Part>`).join('')
      + '</CompleteMultipartUpload>';
    await this.send('CompleteMultipartUpload', bucket, key, { method: 'POST', query: { uploadId }, headers: { 'content-type': 'application/xml' }, body, read: done });
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.send('AbortMultipartUpload', bucket, key, { method: 'DELETE', query: { uploadId }, read: done });
  }

  async headBucket(bucket: string): Promise<void> {
    await this.send('HeadBucket', bucket, undefined, { method: 'HEAD', read: done });
  }

  async createBucket(bucket: string): Promise<void> {
    await this.send('CreateBucket', bucket, undefined, { method: 'PUT', read: done });
  }

  /**
   * A presigned URL for one operation on an object, as the SDK's getSignedUrl makes it, byte for
   * byte: the payload unsigned, `x-id` naming the operation, and `headers` signed but left as headers.
   */
  async presign(operation: 'GetObject' | 'PutObject', bucket: string, key: string, options: PresignOptions): Promise<string> {
    const { method, protocol, path, headers } = this.request({ method: operation === 'GetObject' ? 'GET' : 'PUT', ...this.address(bucket, key), headers: options.headers });
    const signed = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    // Spelt as the SDK spells the header it moves into the query.
    const request = { method, path, query: { 'x-id': operation, 'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD }, headers: signed, payloadHash: UNSIGNED_PAYLOAD };
    const query = presignedQuery(request, await this.credentials(), this.region, S3_SERVICE.signingName, new Date(), options.expiresInSeconds);
    return `${protocol}//${signed.host}${path}?${queryString(query)}`;
  }
}
