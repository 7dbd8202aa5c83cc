import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { HttpRequest } from '@smithy/protocol-http';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import { S3Api } from '../../lambdas/aws/s3.js';

/**
 * Berth's small S3 client against answers real S3 gives that local S3 never does: errors with and
 * without a body, a CompleteMultipartUpload that fails after its 200, and throttling, which is
 * tried again only when the request's body can be sent again. Every success path is exercised
 * against local S3 by the store and registry tests.
 */

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An answer; status 0 drops the connection instead. */
type Answer = { status: number; body?: string; headers?: Record<string, string> };

let server: Server | undefined;
afterEach(() => server?.close());

/** A stand-in S3 that answers each request in turn from `answers`, and records what it was sent. */
async function fakeS3(answers: Answer[]): Promise<{ client: S3Api; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString() });
      const answer = answers[seen.length - 1] ?? { status: 500, body: '<Error><Code>Unexpected</Code></Error>' };
      if (answer.status === 0) return request.socket.destroy();
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(request.method === 'HEAD' ? undefined : answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { client: new S3Api({ region: 'eu-west-1', endpoint, credentials }), seen };
}

const xmlError = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`;

describe('S3 errors', () => {
  it('name a missing key NotFound from a HEAD\'s bare 404, and Forbidden from its 403', async () => {
    const { client } = await fakeS3([{ status: 404 }, { status: 403 }]);
    await expect(client.headObject('b', 'k')).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(client.headObject('b', 'k')).rejects.toMatchObject({ name: 'Forbidden', $metadata: { httpStatusCode: 403 } });
  });

  it('take the code and message of an XML error body, entities decoded', async () => {
    const { client } = await fakeS3([{ status: 404, body: xmlError('NoSuchKey', 'The specified key &quot;k&quot; does not exist.') }]);
    const error = await client.getObject('b', 'k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ name: 'NoSuchKey', message: 'The specified key "k" does not exist.' });
  });

  it('are found in a CompleteMultipartUpload that failed after its 200, which is tried again', async () => {
    const { client, seen } = await fakeS3([
      { status: 200, body: xmlError('InternalError', 'We encountered an internal error. Please try again.') },
      { status: 200, body: '<CompleteMultipartUploadResult><Key>k</Key></CompleteMultipartUploadResult>' },
    ]);
    await client.completeMultipartUpload('b', 'k', 'upload+1/=', [{ partNumber: 1, etag: '"e1"' }, { partNumber: 2, etag: '"e2"' }]);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/b/k?uploadId=upload%2B1%2F%3D' });
    expect(seen[1]!.body).toContain('<Part><PartNumber>2</PartNumber><ETag>"e2"</ETag></Part>');
  });

  it('that refuse a request (InvalidPart) are not tried again', async () => {
    const { client, seen } = await fakeS3([{ status: 400, body: xmlError('InvalidPart', 'One or more of the specified parts could not be found.') }]);
    await expect(client.completeMultipartUpload('b', 'k', 'u', [{ partNumber: 1, etag: '"e1"' }])).rejects.toMatchObject({ name: 'InvalidPart' });
    expect(seen).toHaveLength(1);
  });
});

describe('S3 answers missing what they must carry', () => {
  it('fail a CreateMultipartUpload without an UploadId, and an UploadPart without an ETag, saying so', async () => {
    const { client } = await fakeS3([{ status: 200, body: '<InitiateMultipartUploadResult><Key>k</Key></InitiateMultipartUploadResult>' }, { status: 200 }]);
    await expect(client.createMultipartUpload('b', 'k')).rejects.toThrow('S3 answered CreateMultipartUpload for k with no UploadId');
    await expect(client.uploadPart('b', 'k', 'u', 3, Buffer.from('bytes'))).rejects.toThrow('S3 answered UploadPart 3 of k with no ETag');
  });
});

describe('S3 throttling', () => {
  it('sends a part held in memory again, and returns the ETag of the try that took it', async () => {
    const { client, seen } = await fakeS3([{ status: 503, body: xmlError('SlowDown', 'Please reduce your request rate.') }, { status: 200, headers: { etag: '"part-1"' } }]);
    await expect(client.uploadPart('b', 'k', 'u', 1, Buffer.from('bytes'))).resolves.toBe('"part-1"');
    expect(seen.map((request) => request.body)).toEqual(['bytes', 'bytes']);
  });

  it('sends a request again after its connection was dropped', async () => {
    const { client, seen } = await fakeS3([{ status: 0 }, { status: 204 }]);
    await client.deleteObject('b', 'k');
    expect(seen).toHaveLength(2);
  });

  it('fails a streamed body at once, since it cannot be sent again', async () => {
    const { client, seen } = await fakeS3([{ status: 503, body: xmlError('SlowDown', 'Please reduce your request rate.') }]);
    await expect(client.putObject({ Bucket: 'b', Key: 'k', Body: Readable.from([Buffer.from('streamed')]), ContentLength: 8 })).rejects.toMatchObject({ name: 'SlowDown' });
    expect(seen).toHaveLength(1);
  });
});

describe('S3 requests on AWS', () => {
  /** Requests as they would leave, without a network. */
  function captured(region: string): { client: S3Api; requests: HttpRequest[] } {
    const requests: HttpRequest[] = [];
    const requestHandler = {
      handle: async (request: HttpRequest) => {
        requests.push(request);
        return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } as never };
      },
    };
    return { client: new S3Api({ region, credentials, requestHandler }), requests };
  }

  it('name the bucket in the host, sign for s3 in the region, and leave the payload unsigned', async () => {
    const { client, requests } = captured('eu-west-1');
    await client.putObject({ Bucket: 'berth-blobs', Key: 'blobs/sha256/ab cd', Body: Buffer.from('x'), ContentLength: 1, Tagging: 'berth-pending=1', Metadata: { note: 'n' } });
    const [request] = requests;
    expect(request).toMatchObject({ hostname: 'berth-blobs.s3.eu-west-1.amazonaws.com', path: '/blobs/sha256/ab%20cd', method: 'PUT' });
    expect(request!.headers).toMatchObject({
      host: 'berth-blobs.s3.eu-west-1.amazonaws.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '1',
      'x-amz-tagging': 'berth-pending=1', 'x-amz-meta-note': 'n',
    });
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^ ]*x-amz-tagging/);
  });

  it('go to China\'s domain in its regions, and path-style for a bucket name with dots', async () => {
    const { client, requests } = captured('cn-north-1');
    await client.deleteObject('berth.blobs', 'k');
    expect(requests[0]).toMatchObject({ hostname: 's3.cn-north-1.amazonaws.com.cn', path: '/berth.blobs/k', method: 'DELETE' });
  });
});
