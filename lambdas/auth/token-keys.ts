/** A key that signs registry tokens; `kid` tells verifiers which one signed. */
export interface TokenKey {
  kid: string;
  /** 32 or more random bytes. */
  secret: Uint8Array;
}

/**
 * The signing keys in force: the current one signs; older ones still verify,
 * so that tokens issued before a rotation stay valid until they expire.
 */
export interface TokenKeySet {
  current: TokenKey;
  previous: TokenKey[];
}

/**
 * Where the keys come from: Secrets Manager on AWS, the data directory locally.
 * A verifier passes the `kid` of the token at hand; a source that caches may
 * look again when it does not know that key (a rotation it has not seen yet).
 */
export type TokenKeySource = (wantedKid?: string) => Promise<TokenKeySet>;

/** The key of `keySet` that `kid` names, current or previous; undefined when the set has none by that name. */
export function keyNamed(keySet: TokenKeySet, kid: string | undefined): TokenKey | undefined {
  return [keySet.current, ...keySet.previous].find((candidate) => candidate.kid === kid);
}
