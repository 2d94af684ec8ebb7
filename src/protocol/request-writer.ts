import { Writer } from './writer.js'

/** Payloads at least this large are referenced, not copied; smaller ones cost less copied. */
export const REFERENCE_FROM = 2048

/**
 * A Writer for requests on their way to a socket: large raw payloads (a Produce request's record
 * batches) are not copied into the buffer but referenced, to be written in place with one
 * gathered socket write (`segments`). The bytes referenced must stay unchanged until the socket
 * has written them: a batch's buffer is reused or rewritten only after its request was answered,
 * its connection destroyed, or (acks=0) the write completed.
 */
export class RequestWriter extends Writer {
  /** Referenced payloads, each with the offset in `buf` it follows. */
  readonly #at: number[] = []
  readonly #chunks: Uint8Array[] = []
  #referenced = 0

  override get length(): number {
    return this.pos + this.#referenced
  }

  override get chunkCount(): number {
    return this.#chunks.length
  }

  override raw(src: Uint8Array): this {
    if (src.length < REFERENCE_FROM) return super.raw(src)
    this.#at.push(this.pos)
    this.#chunks.push(src)
    this.#referenced += src.length
    return this
  }

  override truncate(pos: number, chunkCount: number): void {
    super.truncate(pos, chunkCount)
    while (this.#chunks.length > chunkCount) {
      this.#referenced -= this.#chunks.pop()!.length
      this.#at.pop()
    }
  }

  override reset(): this {
    this.#at.length = 0
    this.#chunks.length = 0
    this.#referenced = 0
    return super.reset()
  }

  /** What was written, in order: pieces of `buf` and the referenced payloads between them. */
  segments(): Uint8Array[] {
    const pieces: Uint8Array[] = []
    let from = 0
    for (let i = 0; i < this.#chunks.length; i++) {
      const at = this.#at[i]!
      if (at > from) pieces.push(this.buf.subarray(from, at))
      pieces.push(this.#chunks[i]!)
      from = at
    }
    if (this.pos > from || pieces.length === 0) pieces.push(this.buf.subarray(from, this.pos))
    return pieces
  }
}
