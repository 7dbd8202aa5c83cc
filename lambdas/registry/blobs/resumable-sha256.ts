import { createSHA256 } from 'hash-wasm';

/**
 * SHA-256 whose state survives between requests: an upload's hash is
 * computed as chunks arrive, in whichever Lambda invocation or gateway task
 * receives them.
 */
export interface ResumableHash {
  update(bytes: Uint8Array): void;
  /** The state over everything so far, to resume from later. */
  save(): Uint8Array;
  /** `sha256:<hex>` of everything so far; the hash may not be updated afterwards. */
  digest(): string;
}

export async function initialHashState(): Promise<Uint8Array> {
  const hasher = await createSHA256();
  hasher.init();
  return hasher.save();
}

export async function resumeHash(state: Uint8Array): Promise<ResumableHash> {
  const hasher = await createSHA256();
  hasher.load(state);
  return {
    update: (bytes) => { hasher.update(bytes); },
    save: () => hasher.save(),
    digest: () => `sha256:${hasher.digest('hex')}`,
  };
}
