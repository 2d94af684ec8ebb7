/**
 * What a serializer knows per topic once its schema is settled (the id, and whatever it encodes
 * or validates with), and the settling under way. Shared by the Avro, Protobuf and JSON Schema
 * serializers: `prepare(topic)` is the producer's hook (null when ready, one Map lookup on the
 * per-record path; else one shared promise per topic), a failure is remembered only to be told
 * by a send that comes before the next try, and the next prepare tries again.
 */
import { SerializationError } from '../errors.js'

export class TopicSchemas<Ready> {
  readonly #resolve: (topic: string) => Promise<Ready>
  readonly #ready = new Map<string, Ready>()
  readonly #pending = new Map<string, Promise<void>>()
  readonly #failed = new Map<string, unknown>()

  /** `resolve` registers, looks up or fetches the schema for a topic's subject. */
  constructor(resolve: (topic: string) => Promise<Ready>) {
    this.#resolve = resolve
  }

  /** What `topic` is written with, once prepared. */
  get(topic: string): Ready | undefined {
    return this.#ready.get(topic)
  }

  /** Null when `topic` is ready, else the (shared) promise of its preparation. */
  prepare(topic: string): Promise<void> | null {
    if (this.#ready.has(topic)) return null
    let p = this.#pending.get(topic)
    if (p === undefined) {
      p = this.#resolve(topic)
        .then(
          (ready) => {
            this.#ready.set(topic, ready)
            this.#failed.delete(topic)
          },
          (err: unknown) => {
            this.#failed.set(topic, err)
            throw err
          },
        )
        .finally(() => this.#pending.delete(topic))
      this.#pending.set(topic, p)
    }
    return p
  }

  /** Prepares each topic; rejects with the first failure. */
  async prepareAll(topics: readonly string[]): Promise<void> {
    await Promise.all(topics.map((t) => this.prepare(t)))
  }

  /** The error for a record sent to `topic` before it was prepared (naming its last failure). */
  notReady(topic: string, subject: string): SerializationError {
    const failed = this.#failed.get(topic)
    if (failed !== undefined) {
      return new SerializationError(
        `no schema id for subject '${subject}': preparing topic '${topic}' failed: ${(failed as Error)?.message ?? String(failed)}`,
        failed,
      )
    }
    return new SerializationError(
      `no schema id for subject '${subject}': await prepare('${topic}') before sending to topic '${topic}', or let the producer prepare it`,
    )
  }
}
