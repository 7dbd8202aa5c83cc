/**
 * An SDK request or response shape as AWS's JSON protocols carry it: timestamps in epoch
 * seconds, blobs in base64. The small clients send and return these where the SDK's models
 * would have converted each such field; Berth reads and writes none of them.
 */
export type JsonShape<T> =
  T extends Date ? number
  : T extends Uint8Array ? string
  : T extends readonly (infer Element)[] ? JsonShape<Element>[]
  : T extends object ? { [Field in keyof T]: JsonShape<T[Field]> }
  : T;
