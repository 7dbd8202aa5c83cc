import { describe, expect, it } from 'vitest';
import { errorResponse, RegistryError } from '../../lambdas/registry/errors.js';
import { parseContentRange } from '../../lambdas/registry/handlers/uploads.js';
import { acceptedTypes, isAccepted } from '../../lambdas/registry/manifests/negotiation.js';
import { matchRoute } from '../../lambdas/registry/routes.js';

describe('Content-Range', () => {
  it.each([
    ['0-99', { start: 0, end: 99 }],
    ['bytes 100-199/1000', { start: 100, end: 199 }],
    ['bytes=5-5', { start: 5, end: 5 }],
  ])('parses %s', (value, range) => expect(parseContentRange(value)).toEqual(range));
  it.each(['', '5', '9-1', 'a-b', 'bytes 1-'])('refuses %j', (value) => expect(parseContentRange(value)).toBe('invalid'));
  it('is absent when the header is', () => expect(parseContentRange(undefined)).toBeUndefined());
});

describe('Accept negotiation', () => {
  it('accepts anything without an Accept header or with a wildcard', () => {
    expect(isAccepted(acceptedTypes(undefined), 'x/y')).toBe(true);
    expect(isAccepted(acceptedTypes('application/json, */*;q=0.1'), 'x/y')).toBe(true);
  });
  it('accepts only listed types otherwise, ignoring parameters', () => {
    const accepted = acceptedTypes('application/vnd.oci.image.manifest.v1+json;q=0.9, application/vnd.docker.distribution.manifest.v2+json');
    expect(isAccepted(accepted, 'application/vnd.oci.image.manifest.v1+json')).toBe(true);
    expect(isAccepted(accepted, 'application/vnd.oci.image.index.v1+json')).toBe(false);
  });
});

describe('routes', () => {
  it('splits nested names from references at the last marker', () => {
    const match = matchRoute('GET', '/v2/team/manifests/app/manifests/v1');
    expect(match.kind === 'found' && match.params).toEqual({ name: 'team/manifests/app', reference: 'v1' });
  });
  it('prefers upload routes over a blob named "uploads"', () => {
    const match = matchRoute('PATCH', '/v2/a/b/blobs/uploads/123');
    expect(match.kind === 'found' && match.params).toEqual({ name: 'a/b', session: '123' });
  });
  it('reports methods a path does not allow', () => {
    expect(matchRoute('POST', '/v2/a/tags/list')).toEqual({ kind: 'method-not-allowed', allowed: ['GET'] });
    expect(matchRoute('GET', '/v3/')).toEqual({ kind: 'not-found' });
  });
});

describe('error serialization', () => {
  it('writes the spec\'s JSON with code, message and detail, and the status from the table', () => {
    const response = errorResponse([
      new RegistryError('MANIFEST_BLOB_UNKNOWN', 'missing a', { digest: 'a' }),
      new RegistryError('MANIFEST_BLOB_UNKNOWN', 'missing b', { digest: 'b' }),
    ]);
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body!.toString())).toEqual({
      errors: [
        { code: 'MANIFEST_BLOB_UNKNOWN', message: 'missing a', detail: { digest: 'a' } },
        { code: 'MANIFEST_BLOB_UNKNOWN', message: 'missing b', detail: { digest: 'b' } },
      ],
    });
  });
});
