/**
 * One worker thread as the caller's thread sees it: the hand-over chunk being filled, the
 * records the worker holds (by id), the topic names it knows, and its requests in flight.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WorkerExitedError } from '../errors.js'
import { CompletionTable } from './completions.js'
import { HandoverWriter } from './handover.js'
import type { FromWorker, ToWorker, WorkerStart } from './messages.js'

const FROM_SOURCE = import.meta.url.endsWith('.ts')
const SCRIPT = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url)

/**
 * Run from TypeScript source (tests, tsx), the worker registers tsx itself before loading the
 * script: on Node 20 a worker's entry is loaded before the parent's `--import` hooks apply.
 */
function startWorker(data: WorkerStart, name: string): Worker {
  if (!FROM_SOURCE) return new Worker(SCRIPT, { workerData: data, name })
  const tsx = pathToFileURL(createRequire(SCRIPT).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs')
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(SCRIPT.href)}) })`
  return new Worker(boot, { eval: true, workerData: data, name })
}

export class Lane {
  readonly index: number
  readonly worker: Worker
  readonly writer = new HandoverWriter()
  readonly table = new CompletionTable()
  /** The id of the first record in the chunk being filled. */
  chunkFirst = 0
  /** How many of the producer's topic names the worker has been sent. */
  topicsSent = 0
  /** Set once the thread has ended; later records fail with it. */
  exited: WorkerExitedError | null = null
  /** Requests (metadata, flush, close) waiting for the worker's answer. */
  readonly requests = new Map<number, (m: FromWorker | null) => void>()
  readonly ended: Promise<void>

  constructor(
    index: number,
    start: WorkerStart,
    onMessage: (lane: Lane, m: FromWorker) => void,
    onExit: (lane: Lane) => void,
  ) {
    this.index = index
    this.worker = startWorker(start, `sluice-worker-${index}`)
    let firstError: unknown
    this.worker.on('message', (m: FromWorker) => onMessage(this, m))
    this.worker.on('error', (e) => {
      firstError ??= e
    })
    this.ended = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        const why =
          firstError === undefined
            ? `exited with code ${code}`
            : `failed: ${(firstError as Error)?.message ?? firstError}`
        this.exited = new WorkerExitedError(
          `worker thread ${index} ${why} while it held these records`,
          firstError,
        )
        for (const answer of this.requests.values()) answer(null)
        this.requests.clear()
        onExit(this)
        resolve()
      })
    })
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer)
  }

  /** Sends a request and resolves with the worker's answer, or null if the thread ended first. */
  request(m: ToWorker & { req: number }): Promise<FromWorker | null> {
    if (this.exited !== null) return Promise.resolve(null)
    return new Promise((resolve) => {
      this.requests.set(m.req, resolve)
      this.post(m)
    })
  }
}
