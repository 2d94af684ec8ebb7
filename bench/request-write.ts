/**
 * CPU per Produce request written through `Connection`: 8 batches of 64 KiB, acks=0, four
 * requests coalesced per tick, to an in-process TCP sink on loopback (its reads are counted too:
 * compare checkouts, not absolute figures). Measures the request path alone, without a broker:
 *
 *   node --import tsx bench/request-write.ts [checkout root (default: this one)] [requests]
 *
 * e.g. the current tree against a baseline worktree: run it once with each root, alternating.
 */
import { createServer } from 'node:net'

const root = process.argv[2] || new URL('..', import.meta.url).pathname.replace(/\/$/, '')
const { Connection } = await import(`${root}/src/network/connection.ts`)
const { Produce } = await import(`${root}/src/protocol/messages/produce.ts`)
const server = createServer((s) => s.on('data', () => {}))
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const port = (server.address() as { port: number }).port
const c = new Connection({
  host: '127.0.0.1',
  port,
  clientId: 'x',
  requestTimeoutMs: 30000,
  connectTimeoutMs: 5000,
})
await c.connect()
const batches = Array.from({ length: 8 }, (_, i) => Buffer.alloc(65536, i))
const body = {
  transactionalId: null,
  acks: 0,
  timeoutMs: 30000,
  topicData: [{ name: 't', partitionData: batches.map((records, index) => ({ index, records })) }],
}
const N = Number(process.argv[3] ?? 20000)
for (let rep = 0; rep < 4; rep++) {
  const cpu = process.cpuUsage()
  const t = performance.now()
  for (let i = 0; i < N; i += 4) {
    // four requests a tick, coalesced, as the sender does with several brokers' worth
    await Promise.all([0, 1, 2, 3].map(() => c.send(Produce, 9, body, false)))
  }
  const u = process.cpuUsage(cpu)
  console.log(
    `${root.split('/').pop()} rep ${rep}: ${((u.user + u.system) / N).toFixed(1)} us CPU/request (user ${(u.user / N).toFixed(1)}, sys ${(u.system / N).toFixed(1)}), ${(N / ((performance.now() - t) / 1000)).toFixed(0)} req/s`,
  )
}
c.close()
server.close()
