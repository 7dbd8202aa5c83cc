import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/shared/crypto/node-sha256.js';

/**
 * A stand-in for STS's query API on this machine, answering GetCallerIdentity
 * as STS does: it checks the presigned request's signature against the keys
 * it knows (re-signing, as STS would), its expiry, and answers the XML
 * GetCallerIdentityResponse, or STS's ErrorResponse with STS's codes.
 */

export interface FakePrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  accountId: string;
}

export interface StsFault {
  status: number;
  type: 'Sender' | 'Receiver';
  code: string;
  message: string;
}

export interface FakeSts {
  /** http://127.0.0.1:port, the endpoint to presign for and to configure the registry with. */
  url: string;
  region: string;
  /** The requests STS received: their query and the binding header. */
  received: { query: URLSearchParams; headers: Record<string, string | string[] | undefined> }[];
  /** Answers every request with this fault until cleared. */
  failWith(fault: StsFault | undefined): void;
  stop(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function startFakeSts(principals: FakePrincipal[], region = 'us-east-1'): Promise<FakeSts> {
  const received: FakeSts['received'] = [];
  let forced: StsFault | undefined;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sts.local');
    received.push({ query: url.searchParams, headers: request.headers });
    void answer(url, request.headers, principals, region, forced).then(({ status, body }) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-request-id' });
      response.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    received,
    failWith: (fault) => { forced = fault; },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function answer(
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  principals: FakePrincipal[],
  region: string,
  forced: StsFault | undefined,
): Promise<{ status: number; body: string }> {
  if (forced) return fault(forced);
  const query = url.searchParams;
  if (query.get('Action') !== 'GetCallerIdentity') return fault({ status: 400, type: 'Sender', code: 'InvalidAction', message: `Could not find operation ${query.get('Action')} for version ${query.get('Version')}` });
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request$/.exec(query.get('X-Amz-Credential') ?? '');
  const principal = principals.find((candidate) => candidate.accessKeyId === credential?.[1]);
  if (!credential || !principal) return fault({ status: 403, type: 'Sender', code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
  const date = parseAmzDate(query.get('X-Amz-Date') ?? '');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!date || !Number.isInteger(expires)) return fault({ status: 400, type: 'Sender', code: 'MalformedQueryString', message: 'X-Amz-Date or X-Amz-Expires is malformed' });
  if (date.getTime() + expires * 1000 < Date.now()) return fault({ status: 403, type: 'Sender', code: 'ExpiredToken', message: 'The security token included in the request is expired' });

  const signedHeaders = (query.get('X-Amz-SignedHeaders') ?? '').split(';');
  const signable: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headers[name];
    if (typeof value !== 'string') return fault({ status: 403, type: 'Sender', code: 'SignatureDoesNotMatch', message: `signed header ${name} is missing` });
    signable[name] = value;
  }
  const unsigned: Record<string, string> = {};
  for (const [key, value] of query) if (!key.startsWith('X-Amz-') || key === 'X-Amz-Security-Token') unsigned[key] = value;
  const signer = new SignatureV4({
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
    region: credential[3]!,
    service: 'sts',
    sha256: NodeSha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'http:', hostname: signable.host ?? '', path: url.pathname, query: unsigned, headers: signable }),
    { signingDate: date, expiresIn: expires, signableHeaders: new Set(signedHeaders) },
  );
  const expected = Buffer.from(String(presigned.query?.['X-Amz-Signature'] ?? ''));
  const given = Buffer.from(query.get('X-Amz-Signature') ?? '');
  if (credential[3] !== region || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return fault({ status: 403, type: 'Sender', code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' });
  }
  return {
    status: 200,
    body: `<GetCallerIdentityResponse xmlns="${NS}">\n  <GetCallerIdentityResult>\n    <Arn>${principal.arn}</Arn>\n`
      + `    <UserId>AIDAFAKE:${principal.accessKeyId}</UserId>\n    <Account>${principal.accountId}</Account>\n  </GetCallerIdentityResult>\n`
      + '  <ResponseMetadata>\n    <RequestId>fake-request-id</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n',
  };
}

function fault(error: StsFault): { status: number; body: string } {
  return {
    status: error.status,
    body: `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${error.type}</Type>\n    <Code>${error.code}</Code>\n    <Message>${error.message}</Message>\n  </Error>\n  <RequestId>fake-request-id</RequestId>\n</ErrorResponse>\n`,
  };
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}
