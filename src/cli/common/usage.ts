/** Command-line mistakes and "did you mean" hints, shared by every `sluice` command. */
import { suggest } from '../../producer/config/suggest.js'

/** A mistake on the command line: reported with the flag's name, exit status 2, no stack. */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError'
  }
}

/**
 * The candidate closest to `word` by edit distance (case and `-`/`.`/`_` ignored), or null when
 * none is close: the settings' own "did you mean" (producer/config/suggest.ts) over plain words.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  return suggest(
    word,
    candidates.map((c) => ({ dotted: c, camel: c })),
  )
}

/** `; did you mean 'x'?` or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = closest(word, candidates)
  return hint === null ? '' : `; did you mean '${hint}'?`
}
