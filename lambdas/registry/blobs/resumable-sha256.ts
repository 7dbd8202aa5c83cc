import { createSHA256 } from 'hash-wasm';

/**
 * SHA-256 whose state survives between requests: an upload's hash is
 * computed as chunks arrive, in whichever Lambda invocation receives them.
 */
export async function initialHashState(): Promise<Uint8Array> {
  const hasher = await createSHA256();
  hasher.init();
  return hasher.save();
}

/** Continues the hash over `bytes`; returns the new state and the digest of everything so far. */
export async function continueHash(state: Uint8Array, bytes: Uint8Array): Promise<{ state: Uint8Array; digest: string }> {
  const hasher = await createSHA256();
  hasher.load(state);
  hasher.update(bytes);
  const saved = hasher.save();
  return { state: saved, digest: `sha256:${hasher.digest('hex')}` };
}
