/** `sluice perf --metrics-port N`: the producer's metrics as OpenMetrics text at /metrics while the run lasts. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OPENMETRICS_CONTENT_TYPE } from '../../metrics/openmetrics.js'

export interface MetricsServer {
  readonly port: number
  close(): Promise<void>
}

/** Listens on `port` (0: any free one) on every interface; `text` is called at each scrape. */
export async function serveMetrics(port: number, text: () => string): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n')
      return
    }
    res.writeHead(200, { 'content-type': OPENMETRICS_CONTENT_TYPE }).end(text())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
