/** GETs a metrics endpoint on loopback: its content type and body. */
import { get } from 'node:http'

export function scrape(port: number, path = '/metrics'): Promise<{ contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          contentType: String(res.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    }).on('error', reject)
  })
}
