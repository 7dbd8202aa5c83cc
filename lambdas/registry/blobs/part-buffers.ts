/**
 * Buffers for the parts a streamed layer is cut into, reused from part to
 * part and request to request. A fresh buffer per part made the process
 * allocate, fault in and then collect every byte it received a second time,
 * which cost more than hashing them. At most `keep` idle buffers are kept.
 */
export class PartBuffers {
  private readonly idle: Buffer[] = [];

  constructor(readonly size: number, private readonly keep: number) {}

  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Returns a buffer nothing reads any more. */
  give(buffer: Buffer): void {
    if (this.idle.length < this.keep) this.idle.push(buffer);
  }
}
