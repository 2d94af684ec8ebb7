/**
 * Connection failure modes a real broker can't be made to show on demand, against a raw TCP
 * server that answers with whatever bytes the test chooses.
 */
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { after, describe, test } from 'node:test'
import { NetworkError, RequestTimeoutError } from '../../src/errors.js'
import { BrokerConnection } from '../../src/network/broker-connection.js'
import { Connection } from '../../src/network/connection.js'
import { connectTimeoutFor } from '../../src/network/connection-pool.js'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import { decodeRequest } from '../../src/protocol/codec.js'
import { ApiVersions } from '../../src/protocol/messages/api-versions.js'
import { Produce } from '../../src/protocol/messages/produce.js'
import { testBootstrap } from '../helpers/kafka.js'

const servers: Server[] = []
after(() => {
  for (const s of servers) s.close()
})

async function fakeBroker(onRequest: (socket: Socket, frame: Buffer) => void): Promise<number> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20)
    socket.on('data', (chunk) => decoder.push(chunk, (frame) => onRequest(socket, frame)))
    socket.on('error', () => {})
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as { port: number }).port
}

function options(port: number, requestTimeoutMs = 5000) {
  return { host: '127.0.0.1', port, clientId: 'test', requestTimeoutMs, connectTimeoutMs: 2000 }
}

const correlationIdOf = (frame: Buffer) => frame.readInt32BE(4)

describe('Connection', () => {
  test('a garbage response closes the connection with a clear error and fails the request', async () => {
    const port = await fakeBroker((socket, frame) => {
      const out = Buffer.alloc(4 + 4 + 3)
      out.writeInt32BE(7, 0)
      out.writeInt32BE(correlationIdOf(frame), 4)
      out.write('???', 8)
      socket.write(out)
    })
    const c = new Connection(options(port))
    await c.connect()
    await assert.rejects(
      c.send(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }),
      (err: unknown) => {
        assert.ok(err instanceof NetworkError, `got ${err}`)
        assert.match(err.message, /malformed response/)
        return true
      },
    )
    assert.equal(c.isOpen, false)
  })

  test('a response with an impossible size closes the connection', async () => {
    const port = await fakeBroker((socket) => {
      const out = Buffer.alloc(8)
      out.writeInt32BE(-5, 0)
      socket.write(out)
    })
    const c = new Connection(options(port))
    await c.connect()
    await assert.rejects(c.send(ApiVersions, 0, {} as never), /malformed response/)
  })

  test('a truncated response followed by a disconnect fails pending requests as retriable', async () => {
    const port = await fakeBroker((socket, frame) => {
      const out = Buffer.alloc(10)
      out.writeInt32BE(100, 0)
      out.writeInt32BE(correlationIdOf(frame), 4)
      socket.end(out)
    })
    const c = new Connection(options(port))
    await c.connect()
    const pending = [1, 2, 3].map(() => c.send(ApiVersions, 0, {} as never))
    for (const p of pending) {
      await assert.rejects(p, (err: unknown) => err instanceof NetworkError && err.retriable)
    }
  })

  test('an unknown correlation id closes the connection', async () => {
    const port = await fakeBroker((socket, frame) => {
      const out = Buffer.alloc(8)
      out.writeInt32BE(4, 0)
      out.writeInt32BE(correlationIdOf(frame) + 1000, 4)
      socket.write(out)
    })
    const c = new Connection(options(port))
    await c.connect()
    await assert.rejects(c.send(ApiVersions, 0, {} as never), /correlation id/)
  })

  test('no response within request.timeout.ms fails with RequestTimeoutError', async () => {
    const port = await fakeBroker(() => {})
    const c = new Connection(options(port, 300))
    await c.connect()
    await assert.rejects(c.send(ApiVersions, 0, {} as never), RequestTimeoutError)
    assert.equal(c.isOpen, false)
  })

  test('requests written while earlier writes are still queued in the socket arrive intact', {
    timeout: 30_000,
  }, async () => {
    // The server reads nothing at first, so the kernel's buffers fill and the socket queues
    // several writes at once: each must keep its own bytes while later requests are encoded.
    const frames: Buffer[] = []
    const requests = 24
    const size = 256 * 1024
    let received!: () => void
    const all = new Promise<void>((r) => {
      received = r
    })
    const server = createServer((socket) => {
      socket.pause()
      setTimeout(() => socket.resume(), 300)
      const decoder = new FrameDecoder(1 << 22)
      socket.on('data', (chunk) =>
        decoder.push(chunk, (frame) => {
          frames.push(Buffer.from(frame))
          if (frames.length === requests) received()
        }),
      )
      socket.on('error', () => {})
    })
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const c = new Connection(options((server.address() as { port: number }).port))
    await c.connect()
    const written: Promise<unknown>[] = []
    for (let i = 0; i < requests; i++) {
      const records = Buffer.alloc(size, i + 1)
      const body = {
        transactionalId: null,
        acks: 0,
        timeoutMs: 1000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
      }
      written.push(c.send(Produce, 9, body, false))
      // One request per tick: each goes out in its own socket write.
      await new Promise((r) => setImmediate(r))
    }
    await all
    await Promise.all(written)
    c.close()
    for (let i = 0; i < requests; i++) {
      const frame = frames[i]!
      assert.equal(correlationIdOf(frame), i)
      const records = decodeRequest(Produce, frame).body.topicData[0]!.partitionData[0]!.records!
      assert.equal(records.length, size)
      assert.ok(
        records.every((b) => b === i + 1),
        `request ${i} carries another request's bytes`,
      )
    }
  })

  test('a connection with a request outstanding is not idle: it fails by request.timeout.ms, not connections.max.idle.ms', async () => {
    const port = await fakeBroker(() => {})
    const c = new Connection({ ...options(port, 600), maxIdleMs: 100 })
    await c.connect()
    await assert.rejects(c.send(ApiVersions, 0, {} as never), RequestTimeoutError)
    assert.equal(c.closedIdle, false)
  })

  test('connecting to a closed port fails with a NetworkError naming the address', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((r) => server.close(() => r()))
    const c = new Connection(options(port))
    await assert.rejects(
      c.connect(),
      (err: unknown) => err instanceof NetworkError && err.message.includes(`:${port}`),
    )
  })
})

describe('connect timeout per attempt (socket.connection.setup.timeout.ms / .max.ms)', () => {
  test('doubles per failed attempt with +-20% jitter, capped at the max', () => {
    for (let i = 0; i < 200; i++) {
      const first = connectTimeoutFor(1000, 30_000, 0)
      assert.ok(first >= 800 && first <= 1200, `first attempt ${first}`)
      const fourth = connectTimeoutFor(1000, 30_000, 3)
      assert.ok(fourth >= 6400 && fourth <= 9600, `fourth attempt ${fourth}`)
      assert.ok(connectTimeoutFor(1000, 30_000, 40) <= 30_000)
      assert.ok(connectTimeoutFor(1000, 30_000, 40) >= 24_000)
    }
  })

  test('a max below the base leaves the base; no max means no growth', () => {
    for (let i = 0; i < 50; i++) {
      const t = connectTimeoutFor(10_000, 5000, 4)
      assert.ok(t >= 8000 && t <= 10_000, `${t}`)
    }
    assert.equal(connectTimeoutFor(10_000, undefined, 7), 10_000)
  })
})

describe('BrokerConnection against a real broker', () => {
  test('closes after connections.max.idle.ms without traffic, as idle and not as a failure', async () => {
    const [host, port] = testBootstrap().split(',')[0]!.split(':')
    const bc = await BrokerConnection.open({ ...options(Number(port)), host: host!, maxIdleMs: 200 })
    assert.equal(bc.isOpen, true)
    const closed = new Promise<Error>((r) => bc.connection.onClose(r))
    const reason = await closed
    assert.equal(bc.isOpen, false)
    assert.equal(bc.connection.closedIdle, true)
    assert.match(reason.message, /idle \(connections\.max\.idle\.ms\)/)
  })

  test('negotiates versions with ApiVersions', async () => {
    const [host, port] = testBootstrap().split(',')[0]!.split(':')
    const bc = await BrokerConnection.open({ ...options(Number(port)), host: host! })
    try {
      assert.equal(bc.versionOf(ApiVersions), ApiVersions.maxVersion)
      const res = await bc.send(ApiVersions, {
        clientSoftwareName: 'sluice-test',
        clientSoftwareVersion: '0',
      })
      assert.equal(res.errorCode, 0)
      assert.ok(
        res.apiKeys.some((k) => k.apiKey === 0 && k.maxVersion >= 11),
        'the broker offers Produce v11+',
      )
    } finally {
      bc.close()
    }
  })
})
