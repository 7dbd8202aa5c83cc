import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { buildQueryString } from '@smithy/core/protocols';
import { HttpRequest } from '@smithy/protocol-http';

/** A key whose URL shows where the bucket's keys go in its objects' URLs. */
const PROBE_KEY = 'berth-url-probe';

interface BucketUrl {
  protocol: string;
  hostname: string;
  port?: number;
  /** The path before a key: `/<bucket>/` path-style (local S3), `/` virtual-hosted (AWS). */
  prefix: string;
}

/** A key as S3 escapes it in a path: each segment URI-encoded, `!'()*` too, the slashes kept. */
function escapeKey(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/**
 * Presigned GET URLs of one bucket's objects, signed with the SDK's S3 presigner but without
 * sending a command through the client: getSignedUrl resolves the endpoint (S3's rules engine)
 * and runs the middleware stack for every URL, which was half the CPU of a blob GET on the
 * registry function. The bucket's URL is learned once, from one getSignedUrl, so path- or
 * virtual-hosted style, partition and custom endpoints are the SDK's own choice.
 */
export class S3ObjectUrls {
  private readonly presigner: S3RequestPresigner;
  private bucketUrl: Promise<BucketUrl> | undefined;

  constructor(private readonly client: S3Client, private readonly bucket: string) {
    this.presigner = new S3RequestPresigner(client.config);
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const { protocol, hostname, port, prefix } = await (this.bucketUrl ??= this.learnBucketUrl());
    const request = new HttpRequest({ method: 'GET', protocol, hostname, ...(port === undefined ? {} : { port }), path: `${prefix}${escapeKey(key)}`, query: { 'x-id': 'GetObject' }, headers: {} });
    const signed = await this.presigner.presign(request, { expiresIn: expiresInSeconds });
    return `${signed.protocol}//${signed.hostname}${signed.port === undefined ? '' : `:${signed.port}`}${signed.path}?${buildQueryString(signed.query ?? {})}`;
  }

  private async learnBucketUrl(): Promise<BucketUrl> {
    const url = new URL(await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: PROBE_KEY }), { expiresIn: 60 }));
    if (!url.pathname.endsWith(`/${PROBE_KEY}`)) throw new Error(`cannot tell where keys go in ${url.origin}${url.pathname}`);
    return {
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      prefix: url.pathname.slice(0, -PROBE_KEY.length),
    };
  }
}
