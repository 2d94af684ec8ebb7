/**
 * What the caller's thread knows of each topic: its partition count and the partitions with a
 * leader (asked of a worker, refreshed every metadata.max.age.ms), and the records waiting for
 * the first answer, per topic in send order, with their bytes.
 */
import { type KafkaError, toKafkaError } from '../errors.js'
import type { MetaPartition } from './messages.js'

export interface TopicInfo {
  count: number
  available: number[]
  partitions: readonly MetaPartition[]
}

export interface TopicsOptions<W> {
  /** The topic's partitions from a worker (which waits up to max.block.ms), or why not. */
  ask: (topic: string) => Promise<readonly MetaPartition[] | KafkaError>
  /** The first answer for a topic came (info set) or failed (err set): `waiting` go on or fail. */
  release: (topic: string, waiting: W[], info: TopicInfo | undefined, err: KafkaError | null) => void
}

export class Topics<W extends { size: number }> {
  readonly #known = new Map<string, TopicInfo>()
  readonly #waiting = new Map<string, W[]>()
  readonly #fetches = new Map<string, Promise<void>>()
  readonly #options: TopicsOptions<W>
  /** Bytes of the records waiting. */
  waitingBytes = 0

  constructor(options: TopicsOptions<W>) {
    this.#options = options
  }

  /** The topic's partitions; undefined while unknown or while records wait for it (a record then waits behind them). */
  ready(topic: string): TopicInfo | undefined {
    return this.#waiting.has(topic) ? undefined : this.#known.get(topic)
  }

  /** Queues a record until the topic's partitions are known, asking for them if nobody has. */
  wait(topic: string, w: W): void {
    let list = this.#waiting.get(topic)
    if (list === undefined) {
      list = []
      this.#waiting.set(topic, list)
    }
    list.push(w)
    this.waitingBytes += w.size
    if (!this.#fetches.has(topic)) {
      const done = this.fetch(topic).then(
        (err) => this.release(topic, err),
        (err: unknown) => this.release(topic, toKafkaError(err)),
      )
      this.#fetches.set(topic, done)
      done.finally(() => this.#fetches.delete(topic)).catch(() => {})
    }
  }

  /** Asks for the topic's partitions; the error, or null once they are known. */
  async fetch(topic: string): Promise<KafkaError | null> {
    const answer = await this.#options.ask(topic)
    if (!Array.isArray(answer)) return answer as KafkaError
    this.#set(topic, answer)
    return null
  }

  /** The topic's partitions as last known. */
  info(topic: string): TopicInfo | undefined {
    return this.#known.get(topic)
  }

  /** Hands the topic's waiting records to `release` (with `err`, they fail). */
  release(topic: string, err: KafkaError | null): void {
    const list = this.#waiting.get(topic)
    if (list === undefined) return
    this.#waiting.delete(topic)
    for (const w of list) this.waitingBytes -= w.size
    this.#options.release(topic, list, this.#known.get(topic), err)
  }

  /** Releases every topic's waiting records with `err(topic)`. */
  releaseAll(err: (topic: string) => KafkaError): void {
    for (const topic of [...this.#waiting.keys()]) this.release(topic, err(topic))
  }

  /** Asks again for every known topic (a partition count may have grown). */
  refresh(): void {
    for (const topic of this.#known.keys()) {
      this.#options.ask(topic).then(
        (answer) => {
          if (Array.isArray(answer)) this.#set(topic, answer)
        },
        () => {}, // the next refresh asks again
      )
    }
  }

  /** Resolves once no first answer is awaited (records waiting have been released). */
  async settled(): Promise<void> {
    while (this.#fetches.size > 0) await Promise.all(this.#fetches.values())
  }

  #set(topic: string, partitions: readonly MetaPartition[]): void {
    const available: number[] = []
    for (const p of partitions) if (p.leader >= 0) available.push(p.partition)
    available.sort((a, b) => a - b)
    this.#known.set(topic, { count: partitions.length, available, partitions })
  }
}
