/**
 * A small pool of compression workers (node:worker_threads) for codecs that have no async path
 * of their own (zstd's WebAssembly build on Node < 22.15, lz4, snappy), so compressing a large
 * batch does not stall the event loop.
 *
 * Workers start lazily, one per job while fewer than `size` run, and are unref'd while idle, so
 * the pool never keeps the process alive. A job is a copy of the records section, transferred to
 * the worker (the batch's own buffer stays with its memory accounting); the output comes back
 * transferred. Whatever goes wrong in a worker (it throws, crashes, exits, cannot start) the job
 * is compressed inline instead: a batch never waits on a dead worker and never fails for it. A
 * pool whose workers keep failing to start stops trying and compresses inline from then on.
 */
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Codec } from '../codec.js'
import type { JobMessage, ReplyMessage } from './messages.js'

interface Job {
  readonly id: number
  readonly codec: Codec
  readonly level: number | undefined
  /** The caller's bytes: what the inline fallback compresses. */
  readonly data: Uint8Array
  resolve(out: Buffer): void
  reject(err: Error): void
}

interface Slot {
  readonly worker: Worker
  job: Job | null
  /** Jobs it answered: a worker that dies before answering one counts as failing to start. */
  answered: number
}

/** Workers that die before answering a job, in a row, after which the pool compresses inline. */
const MAX_START_FAILURES = 3

export interface PoolOptions {
  /** Worker count bound; default: one fewer than the cores, 1..4. */
  size?: number
  /** The worker module (tests substitute a failing one). */
  workerUrl?: URL
}

export function defaultPoolSize(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1))
}

export class CompressionPool {
  readonly size: number
  readonly #url: URL
  readonly #slots: Slot[] = []
  readonly #queue: Job[] = []
  /** ArrayBuffers back from the workers, lent again to the next jobs. */
  readonly #free: ArrayBuffer[] = []
  #nextId = 0
  #startFailures = 0
  #broken = false
  /** Jobs a worker compressed, and jobs the workers failed that were compressed inline instead. */
  completed = 0
  fallbacks = 0
  /** What the last failing worker reported, if anything. */
  lastError: Error | null = null

  constructor(options: PoolOptions = {}) {
    this.size = options.size ?? defaultPoolSize()
    this.#url = options.workerUrl ?? workerUrl()
  }

  /** Workers running now. */
  get workers(): number {
    return this.#slots.length
  }

  /** `codec.compressSync(data, level)` on a worker; inline if the worker fails. */
  compress(codec: Codec, data: Uint8Array, level: number | undefined): Promise<Buffer> {
    if (this.#broken) return this.#inline(codec, data, level)
    return new Promise<Buffer>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, codec, level, data, resolve, reject })
      this.#dispatch()
    })
  }

  /** Stops every worker; jobs in flight or queued are compressed inline. The pool can start again. */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0)
    for (const s of slots) {
      if (s.job !== null) this.#fallback(s.job)
      s.job = null
    }
    for (const job of this.#queue.splice(0)) this.#fallback(job)
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => {})))
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => s.job === null)
      if (slot === undefined) {
        if (this.#slots.length >= this.size) return
        const started = this.#start()
        if (started === null) return
        slot = started
      }
      const job = this.#queue.shift()!
      slot.job = job
      slot.worker.ref()
      const copy = this.#lend(job.data)
      const msg: JobMessage = { id: job.id, codec: job.codec.id, level: job.level ?? null, data: copy }
      try {
        slot.worker.postMessage(msg, [copy.buffer as ArrayBuffer])
      } catch {
        slot.job = null
        slot.worker.unref()
        this.#fallback(job)
      }
    }
  }

  #start(): Slot | null {
    let worker: Worker
    try {
      worker = spawn(this.#url)
    } catch (err) {
      // The environment cannot start workers at all (a bundler that dropped worker.js, a
      // policy): compress inline from now on.
      this.lastError = err instanceof Error ? err : new Error(String(err))
      this.#broken = true
      for (const job of this.#queue.splice(0)) this.#fallback(job)
      return null
    }
    worker.unref()
    const slot: Slot = { worker, job: null, answered: 0 }
    this.#slots.push(slot)
    worker.on('message', (msg: ReplyMessage) => this.#answer(slot, msg))
    // 'error' is followed by 'exit'; the listener keeps an uncaught worker error from being thrown.
    worker.on('error', (err) => {
      this.lastError = err
    })
    worker.on('exit', () => this.#exited(slot))
    return slot
  }

  #answer(slot: Slot, msg: ReplyMessage): void {
    const job = slot.job
    if (job === null || job.id !== msg.id) return
    slot.job = null
    slot.answered++
    this.#startFailures = 0
    slot.worker.unref()
    this.#giveBack(msg.data.buffer as ArrayBuffer)
    if (msg.out !== undefined) {
      this.completed++
      job.resolve(Buffer.from(msg.out.buffer, msg.out.byteOffset, msg.out.byteLength))
    } else {
      this.lastError = new Error(`compression worker: ${msg.error}`)
      this.#fallback(job)
    }
    this.#dispatch()
  }

  #exited(slot: Slot): void {
    const i = this.#slots.indexOf(slot)
    if (i < 0) return // closed
    this.#slots.splice(i, 1)
    if (slot.answered === 0) this.#startFailed()
    const job = slot.job
    slot.job = null
    if (job !== null) this.#fallback(job)
    this.#dispatch()
  }

  /**
   * `data` copied to the start of a reusable ArrayBuffer: allocating (and zeroing) a fresh 1 MiB
   * buffer per batch cost the event loop ~0.5 ms, with a tail of many ms; copying into one
   * already mapped costs ~0.03 ms.
   */
  #lend(data: Uint8Array): Uint8Array {
    const n = data.byteLength
    const free = this.#free
    const i = free.findIndex((b) => b.byteLength >= n)
    const buf = i >= 0 ? free.splice(i, 1)[0]! : new ArrayBuffer((Math.ceil(n / 65536) + 1) * 65536)
    const view = new Uint8Array(buf, 0, n)
    view.set(data)
    return view
  }

  /** Keeps the largest few lent buffers for the next jobs. */
  #giveBack(buf: ArrayBuffer): void {
    const free = this.#free
    free.push(buf)
    if (free.length > this.size * 2) {
      free.sort((a, b) => b.byteLength - a.byteLength)
      free.length = this.size * 2
    }
  }

  #startFailed(): void {
    if (++this.#startFailures < MAX_START_FAILURES) return
    this.#broken = true
    for (const job of this.#queue.splice(0)) this.#fallback(job)
  }

  #fallback(job: Job): void {
    this.fallbacks++
    this.#inline(job.codec, job.data, job.level).then(job.resolve, job.reject)
  }

  /** The codec's own `compress`: loads what it must (zstd's WebAssembly) and throws typed errors. */
  #inline(codec: Codec, data: Uint8Array, level: number | undefined): Promise<Buffer> {
    return codec.compress(data, level)
  }
}

/** worker.js beside this module, in dist/ and in the package; worker.ts when run from source. */
function workerUrl(): URL {
  const self = import.meta.url
  return new URL(self.endsWith('.ts') ? './worker.ts' : './worker.js', self)
}

/**
 * A worker running `url`. From source (tests, benches under tsx) the worker registers tsx's
 * loader first: a loader registered in the main thread does not reach worker threads.
 */
function spawn(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url)
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api')
  const code = `require(${JSON.stringify(tsx)}).require(${JSON.stringify(fileURLToPath(url))}, __filename)`
  return new Worker(code, { eval: true })
}
