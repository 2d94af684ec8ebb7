/**
 * What the metrics cost per Produce request of one batch: the sender's records for the batch and
 * the request, the connection's for the bytes out and in, and the response's latency, as the
 * producer records them (per batch and request, never per record).
 */
import { ProducerMetrics } from '../../src/metrics/producer-metrics.js'
import type { MicroBench } from './harness.js'

export function metricsBenches(): MicroBench[] {
  const gauges = {
    requestsInFlight: () => 0,
    metadataAgeMs: () => 0,
    bufferTotalBytes: () => 0,
    bufferAvailableBytes: () => 0,
    waitingForMemory: () => 0,
    connectionCount: () => 0,
  }
  const metrics = new ProducerMetrics('bench', { windowMs: 30_000, samples: 2 }, gauges)
  const node = { nodeId: 'node-1' }
  const io = metrics.connectionIo(node)
  const batch = {
    topic: 'bench',
    recordCount: 600,
    sizeInBytes: 65_000,
    compressionRatio: 1,
    maxRecordBytes: 108,
    createdMs: Date.now(),
  }
  const requests = 1000
  return [
    {
      name: 'metrics/one-batch Produce request',
      opsPerRun: requests,
      bytesPerRun: 0,
      note: 'batchDrained + requestSent + bytes out/in + produceAnswered',
      run: () => {
        for (let i = 0; i < requests; i++) {
          const now = Date.now()
          metrics.batchDrained(batch, now)
          metrics.requestSent(batch.recordCount, now)
          io.requestSent(65_100, now)
          io.responseReceived(80, now)
          metrics.produceAnswered(node, 3, 0, now)
        }
      },
    },
    {
      name: 'metrics/snapshot (every metric, one topic, one node)',
      opsPerRun: 1,
      bytesPerRun: 0,
      run: () => metrics.snapshot(),
    },
  ]
}
