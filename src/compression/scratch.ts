/**
 * One growable output buffer per codec, reused across calls: encoders write into it and the
 * result is copied out at its exact size, so a batch never pins a worst-case allocation.
 */
export class Scratch {
  private buf: Buffer = Buffer.allocUnsafe(0)

  /** A buffer of at least `n` bytes; its contents are undefined. Valid until the next call. */
  get(n: number): Buffer {
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2, 64 * 1024))
    return this.buf
  }

  /** A copy of `get()`'s buffer's bytes [0, end). */
  take(end: number): Buffer {
    const out = Buffer.allocUnsafe(end)
    this.buf.copy(out, 0, 0, end)
    return out
  }
}
