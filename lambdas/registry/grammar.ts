/**
 * The OCI distribution-spec grammar for repository names, tags and digests.
 * Routes, handlers and the store all validate through these functions.
 */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const NAME_PATTERN = `${COMPONENT}(?:/${COMPONENT})*`;
export const TAG_PATTERN = '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}';
export const DIGEST_PATTERN = '[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+';

/** ECR's limit; the spec only recommends keeping host plus name under 255. */
export const MAX_NAME_LENGTH = 256;

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);
const TAG_RE = new RegExp(`^${TAG_PATTERN}$`);
const DIGEST_RE = new RegExp(`^${DIGEST_PATTERN}$`);
const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** A well-formed digest of an algorithm Berth can verify (sha256, sha512), lower-case hex. */
export function isValidDigest(digest: string): boolean {
  if (!DIGEST_RE.test(digest)) return false;
  const [algorithm, encoded] = digest.split(':') as [string, string];
  const length = ENCODED_LENGTH[algorithm];
  return length !== undefined && encoded.length === length && /^[a-f0-9]+$/.test(encoded);
}

export function isDigestReference(reference: string): boolean {
  return reference.includes(':');
}
