/**
 * A compression worker (node:worker_threads): compresses the records sections the pool sends it
 * with the codec's synchronous compressor and transfers the output back. See pool.ts.
 */
import { parentPort } from 'node:worker_threads'
import { type Codec, loadCodec } from '../index.js'
import type { JobMessage, ReplyMessage } from './messages.js'

const port = parentPort
if (port === null) throw new Error('compression worker: not started as a worker thread')

const codecs = new Map<number, Promise<Codec>>()

port.on('message', (msg: JobMessage) => {
  let codec = codecs.get(msg.codec)
  if (codec === undefined) {
    codec = loadCodec(msg.codec)
    codecs.set(msg.codec, codec)
  }
  codec
    .then(
      (c) => {
        const data = msg.data
        const out = exact(c.compressSync(data, msg.level ?? undefined))
        port.postMessage({ id: msg.id, data, out } satisfies ReplyMessage, [
          out.buffer as ArrayBuffer,
          data.buffer as ArrayBuffer,
        ])
      },
      (err: unknown) => {
        codecs.delete(msg.codec)
        throw err
      },
    )
    .catch((err: unknown) => {
      const data = msg.data
      const error = String((err as Error)?.message ?? err)
      port.postMessage({ id: msg.id, data, error } satisfies ReplyMessage, [data.buffer as ArrayBuffer])
    })
})

/** The bytes in an ArrayBuffer of their own, so transferring it moves nothing else. */
function exact(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b)
}
