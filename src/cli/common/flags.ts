/**
 * A small argv parser for `sluice produce` and `sluice topics`: long flags (`--topic X`,
 * `--topic=X`), short aliases (`-t X`, `-tX`), repeatable flags, `nargs='+'`-style lists like
 * Kafka's tools (`--producer-props a=1 b=2`), positional arguments, `--` to end the flags and `-`
 * as a positional (stdin). Unknown flags are refused with the closest known one.
 */
import { didYouMean, UsageError } from './usage.js'

/**
 * value: one value, the last one wins; repeat: one value per occurrence, all kept; list: the
 * following NAME=VALUE words (a word without '=' or a flag ends it); switch: no value.
 */
export type FlagKind = 'value' | 'repeat' | 'list' | 'switch'

export interface FlagSpec {
  readonly kind: FlagKind
  /** A one-letter alias, e.g. 't' for `-t`. */
  readonly short?: string
}

export interface ParsedFlags {
  /** Long flag name (with `--`) -> its values in order ([] for a switch). */
  readonly flags: Map<string, string[]>
  readonly positionals: string[]
}

function isFlag(word: string): boolean {
  return word.length > 1 && word.startsWith('-') && !/^-\d/.test(word)
}

export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const shorts = new Map<string, string>()
  for (const [name, s] of Object.entries(spec)) if (s.short !== undefined) shorts.set(s.short, name)
  const flags = new Map<string, string[]>()
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!isFlag(word)) {
      positionals.push(word)
      continue
    }
    let flag: string
    let inline: string | undefined
    if (word.startsWith('--')) {
      const eq = word.indexOf('=')
      flag = eq < 0 ? word : word.slice(0, eq)
      inline = eq < 0 ? undefined : word.slice(eq + 1)
    } else {
      const long = shorts.get(word[1]!)
      if (long === undefined) {
        throw new UsageError(
          `unknown option '${word.slice(0, 2)}'${didYouMean(
            word.slice(0, 2),
            [...shorts.keys()].map((s) => `-${s}`),
          )}`,
        )
      }
      flag = long
      const rest = word.slice(2)
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest
    }
    const kind = spec[flag]?.kind
    if (kind === undefined)
      throw new UsageError(`unknown option '${flag}'${didYouMean(flag, Object.keys(spec))}`)
    const values = flags.get(flag) ?? []
    if (kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`)
    } else if (kind === 'list') {
      if (inline !== undefined) values.push(inline)
      // Only NAME=VALUE words: a file named after the list is a positional, not a property.
      while (i + 1 < argv.length && !isFlag(argv[i + 1]!) && argv[i + 1]!.indexOf('=') > 0)
        values.push(argv[++i]!)
      if (values.length === 0) throw new UsageError(`${flag} needs at least one value`)
    } else {
      let value = inline
      if (value === undefined) {
        const next = argv[i + 1]
        if (next === undefined || (isFlag(next) && next !== '-'))
          throw new UsageError(`${flag} needs a value`)
        value = next
        i++
      }
      if (kind === 'value') values.length = 0
      values.push(value)
    }
    flags.set(flag, values)
  }
  return { flags, positionals }
}

/** Typed access to what parseFlags found. */
export class Flags {
  readonly #flags: Map<string, string[]>
  constructor(parsed: ParsedFlags) {
    this.#flags = parsed.flags
  }
  has(flag: string): boolean {
    return this.#flags.has(flag)
  }
  one(flag: string): string | undefined {
    return this.#flags.get(flag)?.at(-1)
  }
  all(flag: string): string[] {
    return this.#flags.get(flag) ?? []
  }
  /** A whole number of at least `min`, or undefined when the flag is absent. */
  integer(flag: string, min: number): number | undefined {
    const text = this.one(flag)
    if (text === undefined) return undefined
    const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN
    if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} must be an integer, got '${text}'`)
    if (n < min) throw new UsageError(`${flag} must be at least ${min}, got ${n}`)
    return n
  }
}
