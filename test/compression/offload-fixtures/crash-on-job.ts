/** A compression worker that dies on its first job, as a crashing worker would. */
import { parentPort } from 'node:worker_threads'

parentPort!.on('message', () => process.exit(3))
