/** A compression worker whose codec fails: it answers every job with an error. */
import { parentPort } from 'node:worker_threads'
import type { JobMessage } from '../../../src/compression/offload/messages.js'

parentPort!.on('message', (msg: JobMessage) => {
  parentPort!.postMessage({ id: msg.id, data: msg.data, error: 'boom' }, [msg.data.buffer as ArrayBuffer])
})
