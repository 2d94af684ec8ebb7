/**
 * Lines from a byte stream, pulled one chunk at a time: nothing is read ahead of what the
 * consumer has taken, so awaiting between lines (the producer's 'drain') holds the input back.
 * A line ends at \n; a \r before it is dropped (CRLF files). A last line without a newline
 * counts; an empty input has no lines. A line may be as long as memory allows: its pieces are
 * joined once, when its end arrives. Lines are decoded as UTF-8 (invalid bytes become U+FFFD,
 * as Java's reader does).
 */

const LF = 0x0a
const CR = 0x0d

function decode(pieces: Buffer[]): string {
  let buf = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)
  if (buf.length > 0 && buf[buf.length - 1] === CR) buf = buf.subarray(0, buf.length - 1)
  return buf.toString('utf8')
}

/** Yields each line with its 1-based number. */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<[string, number]> {
  let pending: Buffer[] = []
  let n = 0
  for await (const data of stream) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(LF, start)
      if (nl < 0) break
      pending.push(chunk.subarray(start, nl))
      const line = decode(pending)
      pending = []
      start = nl + 1
      yield [line, ++n]
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
  }
  if (pending.length > 0) yield [decode(pending), ++n]
}
