/**
 * Readiness probe: one hand-encoded Metadata v1 request (no topics) over a plain socket. It is
 * deliberately independent of the library's own protocol code, so a broken encoder never makes
 * the test broker look unhealthy.
 */
import { connect } from 'node:net'

export interface ProbedBroker {
  nodeId: number
  host: string
  port: number
}

const METADATA_API_KEY = 3
const METADATA_VERSION = 1
const CLIENT_ID = 'sluice-local-kafka'

function encodeRequest(correlationId: number): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8')
  const size = 2 + 2 + 4 + 2 + clientId.length + 4
  const buf = Buffer.alloc(4 + size)
  let at = buf.writeInt32BE(size, 0)
  at = buf.writeInt16BE(METADATA_API_KEY, at)
  at = buf.writeInt16BE(METADATA_VERSION, at)
  at = buf.writeInt32BE(correlationId, at)
  at = buf.writeInt16BE(clientId.length, at)
  at += clientId.copy(buf, at)
  buf.writeInt32BE(0, at) // an empty topic array: brokers only
  return buf
}

function decodeBrokers(body: Buffer, correlationId: number): ProbedBroker[] {
  if (body.readInt32BE(0) !== correlationId) throw new Error('metadata probe: correlation id mismatch')
  let at = 4
  const count = body.readInt32BE(at)
  at += 4
  const brokers: ProbedBroker[] = []
  for (let i = 0; i < count; i++) {
    const nodeId = body.readInt32BE(at)
    const hostLength = body.readInt16BE(at + 4)
    const host = body.toString('utf8', at + 6, at + 6 + hostLength)
    at += 6 + hostLength
    const port = body.readInt32BE(at)
    at += 4
    const rackLength = body.readInt16BE(at)
    at += 2 + Math.max(0, rackLength)
    brokers.push({ nodeId, host, port })
  }
  return brokers
}

/** Asks the broker at host:port which brokers are registered; rejects on any failure. */
export function probeMetadata(host: string, port: number, timeoutMs = 5000): Promise<ProbedBroker[]> {
  const correlationId = 1 + Math.floor(Math.random() * 0x7ffffffe)
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const chunks: Buffer[] = []
    let received = 0
    const finish = (err: Error | null, brokers?: ProbedBroker[]) => {
      socket.destroy()
      if (err !== null) reject(err)
      else resolve(brokers ?? [])
    }
    socket.setTimeout(timeoutMs, () => finish(new Error(`metadata probe of ${host}:${port} timed out`)))
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish(new Error(`${host}:${port} closed the connection`)))
    socket.on('connect', () => socket.write(encodeRequest(correlationId)))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received < 4) return
      const all = chunks.length === 1 ? chunk : Buffer.concat(chunks)
      const size = all.readInt32BE(0)
      if (received < 4 + size) return
      try {
        finish(null, decodeBrokers(all.subarray(4, 4 + size), correlationId))
      } catch (err) {
        finish(err as Error)
      }
    })
  })
}
