import fc from 'fast-check';
import type { Blob } from '../support/oci.js';
import { rawPath, type RawRequest } from './raw-request.js';

/** What the registry holds before the properties run, so that requests also land on existing things. */
export interface OciSeed {
  repository: string;
  tag: string;
  manifest: Blob;
  blobs: Blob[];
  /** The id of an open upload session; a getter, as the seed is renewed when a request consumes it. */
  session: () => string;
  /** The administrator's Authorization header. */
  authorization: string;
}

const MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.config.v1+json',
  'application/json',
  'application/octet-stream',
];

/** Header values as HTTP carries them: printable ASCII. */
const headerText = (maxLength = 64) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((value) => Buffer.from(value).toString('hex'));
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const long = (min: number, max: number) => fc.integer({ min, max }).map((length) => 'a'.repeat(length));

const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,8}){0,2}$/);
const validName = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const invalidName = fc.oneof(
  anyText,
  validName.map((name) => name.toUpperCase()),
  long(257, 600),
  fc.constantFrom('..', 'a/../b', 'a/./b', '../../etc/passwd', 'a%2Fb', 'a%2fb%2F..', 'a//b', '/a', 'a/', '-a', 'a-', 'a..b', '_catalog', '%00', 'a%zz'),
  fc.tuple(validName, anyText).map(([name, suffix]) => `${name}/${suffix}`),
);

function digests(seed: OciSeed) {
  const valid = fc.oneof(hex(32).map((value) => `sha256:${value}`), hex(64).map((value) => `sha512:${value}`));
  const invalid = fc.oneof(
    fc.constantFrom('sha256:', ':', 'sha256', 'md5:d41d8cd98f00b204e9800998ecf8427e', 'sha256:../../x'),
    hex(32).map((value) => `sha256:${value.toUpperCase()}`),
    hex(31).map((value) => `sha256:${value}`),
    hex(32).map((value) => `sha256:${value}00`),
    fc.tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), anyText).map(([algorithm, encoded]) => `${algorithm}:${encoded}`),
    long(500, 3000).map((value) => `sha256:${value}`),
  );
  const seeded = fc.constantFrom(seed.manifest.digest, ...seed.blobs.map((item) => item.digest));
  return fc.oneof({ arbitrary: seeded, weight: 3 }, { arbitrary: valid, weight: 2 }, { arbitrary: invalid, weight: 3 });
}

function references(seed: OciSeed) {
  const validTag = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}$/);
  const invalidTag = fc.oneof(anyText, long(129, 400), fc.constantFrom('.', '-a', '..', 'a b', 'tag%2Fx'));
  return fc.oneof(fc.constant(seed.tag), validTag, invalidTag, digests(seed));
}

function names(seed: OciSeed) {
  return fc.oneof({ arbitrary: fc.constant(seed.repository), weight: 4 }, { arbitrary: validName, weight: 2 }, { arbitrary: invalidName, weight: 3 });
}

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'] as const;

/** A path with the methods its route serves, so most requests get past routing and some do not. */
function endpoint(path: fc.Arbitrary<string>, served: (typeof METHODS)[number][]) {
  const method = fc.oneof({ arbitrary: fc.constantFrom(...served), weight: 4 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 });
  return fc.record({ method, path: path.map(rawPath) });
}

function endpoints(seed: OciSeed) {
  const name = names(seed);
  const digest = digests(seed);
  // Read when generated: a request may have consumed the session the seed started with.
  const session = fc.oneof(fc.constant(null).map(() => seed.session()), fc.uuid(), anyText, long(200, 1000));
  return fc.oneof(
    endpoint(fc.constantFrom('/v2/', '/v2', '/v2/_catalog', '/v2//', '/v2/_catalog/'), ['GET', 'HEAD']),
    endpoint(name.map((repository) => `/v2/${repository}/tags/list`), ['GET']),
    endpoint(fc.tuple(name, references(seed)).map(([repository, reference]) => `/v2/${repository}/manifests/${reference}`), ['GET', 'HEAD', 'PUT', 'DELETE']),
    endpoint(fc.tuple(name, digest).map(([repository, blob]) => `/v2/${repository}/blobs/${blob}`), ['GET', 'HEAD', 'DELETE']),
    endpoint(name.map((repository) => `/v2/${repository}/blobs/uploads/`), ['POST']),
    endpoint(fc.tuple(name, session).map(([repository, id]) => `/v2/${repository}/blobs/uploads/${id}`), ['GET', 'PATCH', 'PUT', 'DELETE']),
    endpoint(fc.tuple(name, digest).map(([repository, subject]) => `/v2/${repository}/referrers/${subject}`), ['GET']),
    endpoint(fc.array(anyText, { maxLength: 6 }).map((segments) => `/v2/${segments.join('/')}`), [...METHODS]),
  );
}

function queries(seed: OciSeed) {
  const value = fc.oneof(
    fc.constant(''),
    fc.integer({ min: -5, max: 2000 }).map(String),
    fc.constantFrom('1e3', '0x10', '99999999999999999999', 'NaN', '-0', ' 1', '1.5'),
    fc.constant(seed.repository),
    digests(seed),
    anyText,
    long(1025, 3000),
  );
  const name = fc.oneof({ arbitrary: fc.constantFrom('n', 'last', 'digest', 'mount', 'from', 'artifactType', '_state'), weight: 5 }, { arbitrary: anyText, weight: 1 });
  return fc.array(fc.tuple(name, value), { maxLength: 4 }).map((pairs) => {
    const query = new URLSearchParams(pairs).toString();
    return query === '' ? '' : `?${query}`;
  });
}

function headers(seed: OciSeed) {
  const authorization = fc.oneof(
    { arbitrary: fc.constant(seed.authorization), weight: 12 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: headerText(200), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 120 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`), weight: 1 },
    { arbitrary: fc.string({ maxLength: 60 }).map((text) => `Basic ${Buffer.from(`AWS:${text}`).toString('base64')}`), weight: 1 },
    { arbitrary: headerText(300).map((text) => `Bearer ${text}`), weight: 1 },
  );
  const contentType = fc.oneof(fc.constant(undefined), fc.constantFrom(...MEDIA_TYPES), headerText());
  const contentRange = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    fc.tuple(fc.nat(), fc.nat()).map(([start, end]) => `${start}-${end}`),
    fc.tuple(fc.nat(100), fc.nat(100)).map(([start, end]) => `bytes ${start}-${end}/*`),
    fc.constantFrom('0-0', '0--1', '-1-5', '99999999999999999999999-99999999999999999999999', 'bytes=0-'),
    headerText(),
  );
  const accept = fc.oneof(fc.constant(undefined), fc.constantFrom(...MEDIA_TYPES), headerText());
  return fc.record({ authorization, 'content-type': contentType, 'content-range': contentRange, accept })
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, string>);
}

/** JSON shaped like a manifest or index, each field present or not, right or wrong. */
function manifestLike(seed: OciSeed) {
  const sized = fc.constantFrom(...seed.blobs, seed.manifest);
  const descriptor = fc.oneof(
    sized.map((item) => ({ mediaType: item.mediaType, digest: item.digest, size: item.bytes.length })),
    fc.record({
      mediaType: fc.oneof(fc.constantFrom(...MEDIA_TYPES), anyText),
      digest: fc.oneof(digests(seed), fc.anything()),
      size: fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2 ** 53, 1e308), fc.anything()),
      urls: fc.array(anyText, { maxLength: 2 }),
      annotations: fc.dictionary(anyText, fc.oneof(anyText, fc.anything()), { maxKeys: 3 }),
      platform: fc.anything(),
    }, { requiredKeys: [] }),
    fc.anything(),
  );
  return fc.record({
    schemaVersion: fc.oneof(fc.constant(2), fc.anything()),
    mediaType: fc.oneof(fc.constantFrom(...MEDIA_TYPES), anyText),
    artifactType: anyText,
    config: descriptor,
    layers: fc.oneof(fc.array(descriptor, { maxLength: 4 }), fc.anything()),
    manifests: fc.oneof(fc.array(descriptor, { maxLength: 4 }), fc.anything()),
    subject: descriptor,
    annotations: fc.oneof(fc.dictionary(anyText, anyText, { maxKeys: 3 }), fc.anything()),
  }, { requiredKeys: [] }).map((document) => JSON.stringify(document));
}

function bodies(seed: OciSeed) {
  return fc.oneof(
    { arbitrary: fc.constant(new Uint8Array()), weight: 3 },
    { arbitrary: fc.uint8Array({ maxLength: 2048 }), weight: 1 },
    { arbitrary: fc.json().map((text) => Buffer.from(text)), weight: 1 },
    { arbitrary: manifestLike(seed).map((text) => Buffer.from(text)), weight: 3 },
    { arbitrary: fc.constant(seed.manifest.bytes), weight: 1 },
  );
}

/** Any request to the OCI API: endpoint, query, headers and body drawn independently. */
export function ociRequests(seed: OciSeed): fc.Arbitrary<RawRequest> {
  return fc.record({ endpoint: endpoints(seed), query: queries(seed), headers: headers(seed), body: bodies(seed) })
    .map(({ endpoint: { method, path }, query, headers: sent, body }) => ({ method, path: `${path}${query}`, headers: sent, body }));
}
