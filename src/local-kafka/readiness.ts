/** Waits until brokers answer Metadata with every expected broker registered. */
import { tail } from './logs.js'
import { probeMetadata } from './metadata-probe.js'
import { isRunning } from './processes.js'
import type { NodeState } from './state.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class KafkaNotReadyError extends Error {
  override readonly name = 'KafkaNotReadyError'
}

async function failure(what: string, node: NodeState): Promise<KafkaNotReadyError> {
  return new KafkaNotReadyError(
    `${what}; broker log ${node.logFile}:\n${await tail(node.logFile)}\n` +
      `--- JVM output ${node.outFile}:\n${await tail(node.outFile, 20)}`,
  )
}

/**
 * Resolves once each node in `probe` answers a Metadata request listing every id in `expected`.
 * Rejects, naming the log file, when any node in `alive` exits or the time runs out.
 */
export async function waitReady(
  alive: NodeState[],
  probe: NodeState[],
  expected: number[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const pending = new Set(probe)
  let lastError = ''
  for (;;) {
    for (const node of alive) {
      if (!isRunning(node.pid, node.propsFile)) throw await failure(`Kafka node ${node.nodeId} exited`, node)
    }
    for (const node of [...pending]) {
      if (node.port === null) {
        pending.delete(node)
        continue
      }
      try {
        const brokers = await probeMetadata('127.0.0.1', node.port, 2000)
        const ids = new Set(brokers.map((b) => b.nodeId))
        const missing = expected.filter((id) => !ids.has(id))
        if (missing.length === 0) pending.delete(node)
        else lastError = `node ${node.nodeId} does not list brokers ${missing.join(',')} yet`
      } catch (err) {
        lastError = `node ${node.nodeId}: ${(err as Error).message}`
      }
    }
    if (pending.size === 0) return
    if (Date.now() > deadline) {
      const node = pending.values().next().value as NodeState
      throw await failure(`Kafka node ${node.nodeId} not ready after ${timeoutMs} ms (${lastError})`, node)
    }
    await sleep(200)
  }
}
