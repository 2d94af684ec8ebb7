/**
 * Lines from a byte stream, pulled one chunk at a time: nothing is read ahead of what the
 * consumer has taken, so awaiting between lines (the producer's 'drain') holds the input back.
 * A line ends at \n, \r\n or a lone \r, as Java's BufferedReader.readLine() (which
 * kafka-console-producer reads with) ends them. A last line without an ending counts; an empty
 * input has no lines. A line may be as long as memory allows: its pieces are joined once, when
 * its end arrives. Lines are decoded as UTF-8 (invalid bytes become U+FFFD, as in Java).
 */

const LF = 0x0a
const CR = 0x0d

function decode(pieces: Buffer[]): string {
  return (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)).toString('utf8')
}

/**
 * Finds line endings in one chunk with the native indexOf, remembering the next \n and the next
 * \r so that neither is searched for again before it is passed (a file without any \r costs one
 * search per chunk for it, not one per line).
 */
class EndFinder {
  readonly #chunk: Buffer
  #lf: number
  #cr: number

  constructor(chunk: Buffer) {
    this.#chunk = chunk
    this.#lf = chunk.indexOf(LF)
    this.#cr = chunk.indexOf(CR)
  }

  /** The first \n or \r at or after `start`, or -1. */
  next(start: number): number {
    if (this.#lf >= 0 && this.#lf < start) this.#lf = this.#chunk.indexOf(LF, start)
    if (this.#cr >= 0 && this.#cr < start) this.#cr = this.#chunk.indexOf(CR, start)
    if (this.#lf < 0) return this.#cr
    if (this.#cr < 0) return this.#lf
    return Math.min(this.#lf, this.#cr)
  }
}

/** Yields each line with its 1-based number. */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<[string, number]> {
  let pending: Buffer[] = []
  let n = 0
  // The previous chunk ended with \r: a \n starting this one belongs to it.
  let afterCr = false
  for await (const data of stream) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let start = 0
    if (afterCr && chunk.length > 0) {
      if (chunk[0] === LF) start = 1
      afterCr = false
    }
    const ends = new EndFinder(chunk)
    for (;;) {
      const end = ends.next(start)
      if (end < 0) break
      pending.push(chunk.subarray(start, end))
      const line = decode(pending)
      pending = []
      start = end + 1
      if (chunk[end] === CR) {
        if (start < chunk.length) {
          if (chunk[start] === LF) start++
        } else {
          afterCr = true
        }
      }
      yield [line, ++n]
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
  }
  if (pending.length > 0) yield [decode(pending), ++n]
}
