import { ProtocolError } from '../errors.js'

const EMPTY = Buffer.alloc(0)

/**
 * Splits a TCP byte stream into size-prefixed Kafka frames. Chunks are kept as they arrive and
 * joined only when a frame straddles them, so a large response is copied at most once.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  #frameSize = -1

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Feeds a chunk; calls `onFrame` with each complete frame body (without its size prefix). */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    for (;;) {
      if (this.#frameSize < 0) {
        if (this.#buffered < 4) return
        this.#frameSize = this.#take(4).readInt32BE(0)
        if (this.#frameSize < 0 || this.#frameSize > this.#maxFrameBytes) {
          throw new ProtocolError(
            `response frame of ${this.#frameSize} bytes is outside 0..${this.#maxFrameBytes}; the stream is corrupt`,
          )
        }
      }
      if (this.#buffered < this.#frameSize) return
      const frame = this.#take(this.#frameSize)
      this.#frameSize = -1
      onFrame(frame)
    }
  }

  #take(n: number): Buffer {
    // An empty frame (the answer to a SASL token after SaslHandshake v0) may end the chunks.
    if (n === 0) return EMPTY
    const first = this.#chunks[0]!
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      this.#buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const c = this.#chunks[0]!
      const want = n - filled
      if (c.length <= want) {
        c.copy(out, filled)
        filled += c.length
        this.#chunks.shift()
      } else {
        c.copy(out, filled, 0, want)
        this.#chunks[0] = c.subarray(want)
        filled = n
      }
    }
    this.#buffered -= n
    return out
  }
}
