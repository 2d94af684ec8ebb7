import { inspect } from 'node:util'

const HIDDEN = '[secret]'

/**
 * A password, token, key or JAAS text held so that it never shows: `String()`, template strings,
 * `JSON.stringify` and `util.inspect` all print `[secret]`. Only `reveal()` gives the value, at the
 * one place that sends it.
 */
export class Secret {
  readonly #value: string | Buffer

  constructor(value: string | Buffer) {
    this.#value = value
  }

  reveal(): string {
    return typeof this.#value === 'string' ? this.#value : this.#value.toString('utf8')
  }

  revealBytes(): Buffer {
    return typeof this.#value === 'string' ? Buffer.from(this.#value, 'utf8') : this.#value
  }

  get isEmpty(): boolean {
    return this.#value.length === 0
  }

  toString(): string {
    return HIDDEN
  }

  toJSON(): string {
    return HIDDEN
  }

  [inspect.custom](): string {
    return HIDDEN
  }
}
