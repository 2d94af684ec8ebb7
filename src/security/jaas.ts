/**
 * sasl.jaas.config, read as Kafka's JaasConfig reads it: java.io.StreamTokenizer with `//` and
 * `/* *\/` comments, and `-`, `_`, `$` as word characters, over
 *
 *   <LoginModuleClass> <required|requisite|sufficient|optional> key=value key="quoted value" ... ;
 *
 * The tokenizer's rules are kept where they change what a text means: a value is a word or a quoted
 * string ('...' or "..."), never a bare number (`key=3600` is refused, as Java refuses it); a
 * quoted string ends at its closing quote or at the end of the line, and takes the escapes \a \b \f
 * \n \r \t \v, octal \0 to \377, and \ before any other character stands for that character; a
 * lone `/` starts a comment to the end of the line. A Kafka client takes exactly one login module.
 *
 * The text holds passwords, so no error message quotes any of it: errors say where (line and
 * column) and what was expected.
 */
import { ConfigError } from '../errors.js'

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional'

export interface JaasEntry {
  readonly loginModule: string
  readonly controlFlag: JaasControlFlag
  /** Option names to values; a name given twice keeps its last value, as in Java. */
  readonly options: ReadonlyMap<string, string>
}

const OPTION = 'sasl.jaas.config'

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule'
export const OAUTHBEARER_LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule'

/** The JAAS text of one Kafka client: exactly one login module. */
export function parseJaasConfig(text: string): JaasEntry {
  const entries = parseJaasEntries(text)
  if (entries.length !== 1) {
    throw new ConfigError(
      OPTION,
      `holds ${entries.length} login modules; a Kafka client takes exactly one (one "<LoginModule> required key=\\"value\\" ...;").`,
    )
  }
  return entries[0]!
}

/** Every entry of a JAAS text (JaasConfig's parse, before the one-module rule). */
export function parseJaasEntries(text: string): JaasEntry[] {
  const tokens = new Tokenizer(text)
  const entries: JaasEntry[] = []
  let t = tokens.next()
  while (t.kind !== 'eof') {
    entries.push(parseEntry(tokens, t))
    t = tokens.next()
  }
  if (entries.length === 0) {
    throw new ConfigError(
      OPTION,
      'holds no login module: expected e.g. org.apache.kafka.common.security.plain.PlainLoginModule required username="..." password="...";',
    )
  }
  return entries
}

function parseEntry(tokens: Tokenizer, first: Token): JaasEntry {
  if (first.text === null)
    throw new ConfigError(OPTION, `expected a login module class name at ${tokens.where(first)}.`)
  const loginModule = first.text
  const flag = tokens.next()
  if (flag.kind === 'eof') {
    throw new ConfigError(
      OPTION,
      `ends after the login module name, at ${tokens.where(flag)}: expected a control flag (required, requisite, sufficient or optional).`,
    )
  }
  const controlFlag = flag.text === null ? null : FLAGS.get(flag.text.toUpperCase())
  if (controlFlag === null || controlFlag === undefined) {
    throw new ConfigError(
      OPTION,
      `has no valid control flag at ${tokens.where(flag)}: expected required, requisite, sufficient or optional after the login module name.`,
    )
  }
  const options = new Map<string, string>()
  let t = tokens.next()
  while (t.kind !== 'eof' && !(t.kind === 'char' && t.char === ';')) {
    // Java takes a key that is no word (a number, `=`) as a null key; that is always a typo.
    if (t.text === null)
      throw new ConfigError(OPTION, `expected an option name or ';' at ${tokens.where(t)}.`)
    const key = t.text
    const eq = tokens.next()
    const value = eq.kind === 'char' && eq.char === '=' ? tokens.next() : null
    if (value === null || value.text === null) {
      const at = value ?? eq
      throw new ConfigError(
        OPTION,
        `the option at ${tokens.where(t)} has no value (at ${tokens.where(at)}): expected key=value or key="value"; ` +
          'quote values that are numbers or hold characters other than letters, digits, ".", "-", "_" and "$".',
      )
    }
    options.set(key, value.text)
    t = tokens.next()
  }
  if (t.kind === 'eof') {
    throw new ConfigError(
      OPTION,
      `ends at ${tokens.where(t)} without the ';' that closes the login module entry (or a quoted value is not closed on its line).`,
    )
  }
  return { loginModule, controlFlag, options }
}

/** The SASL mechanism family a login module is for, or null for a module Sluice does not know. */
export function loginModuleMechanism(loginModule: string): 'PLAIN' | 'SCRAM' | 'OAUTHBEARER' | null {
  switch (loginModule) {
    case PLAIN_LOGIN_MODULE:
      return 'PLAIN'
    case SCRAM_LOGIN_MODULE:
      return 'SCRAM'
    case OAUTHBEARER_LOGIN_MODULE:
      return 'OAUTHBEARER'
    default:
      return null
  }
}

const LOGIN_MODULE_FOR: Record<'PLAIN' | 'SCRAM' | 'OAUTHBEARER', string> = {
  PLAIN: PLAIN_LOGIN_MODULE,
  SCRAM: SCRAM_LOGIN_MODULE,
  OAUTHBEARER: OAUTHBEARER_LOGIN_MODULE,
}

/**
 * Checks that the JAAS entry's login module is the one for `mechanism` (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512 or OAUTHBEARER), naming both when not. A module Sluice does not know is named
 * only when it reads as a Java class name ending in LoginModule (never a password typed first).
 */
export function checkLoginModule(entry: JaasEntry, mechanism: string): void {
  const family = mechanism.startsWith('SCRAM-') ? 'SCRAM' : (mechanism as 'PLAIN' | 'OAUTHBEARER')
  const expected = LOGIN_MODULE_FOR[family]
  if (entry.loginModule === expected) return
  const known = loginModuleMechanism(entry.loginModule)
  const module =
    known !== null
      ? `${entry.loginModule} (the login module for ${known === 'SCRAM' ? 'SCRAM-SHA-256 and SCRAM-SHA-512' : known})`
      : /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*LoginModule$/.test(entry.loginModule)
        ? `${entry.loginModule}, which Sluice does not support`
        : 'a login module Sluice does not know'
  throw new ConfigError(
    OPTION,
    `names ${module}, but sasl.mechanism is ${mechanism}, which takes ${expected}. Make the two agree.`,
  )
}

const FLAGS = new Map<string, JaasControlFlag>([
  ['REQUIRED', 'required'],
  ['REQUISITE', 'requisite'],
  ['SUFFICIENT', 'sufficient'],
  ['OPTIONAL', 'optional'],
])

// --- StreamTokenizer, as JaasConfig sets it up ---

interface Token {
  readonly kind: 'word' | 'quoted' | 'number' | 'char' | 'eof'
  /** StreamTokenizer's sval: the text of a word or quoted string, null otherwise. */
  readonly text: string | null
  /** The character of a 'char' token. */
  readonly char: string
  readonly offset: number
}

const WHITESPACE = 1
const DIGIT = 2
const ALPHA = 4
const QUOTE = 8
const COMMENT = 16

const CTYPE = new Uint8Array(256)
for (let c = 0; c <= 0x20; c++) CTYPE[c] = WHITESPACE
for (const [lo, hi] of [
  ['a', 'z'],
  ['A', 'Z'],
] as const)
  for (let c = lo.charCodeAt(0); c <= hi.charCodeAt(0); c++) CTYPE[c]! |= ALPHA
for (let c = 160; c <= 255; c++) CTYPE[c]! |= ALPHA
for (let c = 0x30; c <= 0x39; c++) CTYPE[c]! |= DIGIT
CTYPE[0x2e]! |= DIGIT // '.'
CTYPE[0x2d]! |= DIGIT | ALPHA // '-': parseNumbers(), then JaasConfig's wordChars('-', '-')
CTYPE[0x5f]! |= ALPHA // '_'
CTYPE[0x24]! |= ALPHA // '$'
CTYPE[0x2f] = COMMENT // '/'
CTYPE[0x22] = QUOTE // '"'
CTYPE[0x27] = QUOTE // "'"

const EOF = -1

const ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 }

function ctypeOf(c: number): number {
  return c < 0 ? WHITESPACE : c < 256 ? CTYPE[c]! : ALPHA
}

class Tokenizer {
  readonly #text: string
  #pos = 0

  constructor(text: string) {
    this.#text = text
  }

  /** `line L, column C` of a token, 1-based. */
  where(t: Token): string {
    let line = 1
    let lineStart = 0
    for (let i = 0; i < t.offset && i < this.#text.length; i++) {
      const c = this.#text.charCodeAt(i)
      if (c === 10 || (c === 13 && this.#text.charCodeAt(i + 1) !== 10)) {
        line++
        lineStart = i + 1
      }
    }
    return `line ${line}, column ${t.offset - lineStart + 1}`
  }

  #read(): number {
    return this.#pos < this.#text.length ? this.#text.charCodeAt(this.#pos++) : EOF
  }

  #peek(): number {
    return this.#pos < this.#text.length ? this.#text.charCodeAt(this.#pos) : EOF
  }

  next(): Token {
    for (;;) {
      let c = this.#read()
      while (c !== EOF && ctypeOf(c) & WHITESPACE) c = this.#read()
      const offset = this.#pos - 1
      if (c === EOF) return { kind: 'eof', text: null, char: '', offset: this.#text.length }
      const ct = ctypeOf(c)
      if (ct & DIGIT) {
        // A number: sval stays null, so it can be neither a name nor a value.
        if (c === 0x2d) {
          const d = this.#peek()
          if (d !== 0x2e && !(d >= 0x30 && d <= 0x39)) return { kind: 'char', text: null, char: '-', offset }
        }
        let seenDot = c === 0x2e
        for (;;) {
          const d = this.#peek()
          if (d === 0x2e && !seenDot) seenDot = true
          else if (!(d >= 0x30 && d <= 0x39)) break
          this.#pos++
        }
        return { kind: 'number', text: null, char: '', offset }
      }
      if (ct & ALPHA) {
        while (ctypeOf(this.#peek()) & (ALPHA | DIGIT)) this.#pos++
        return { kind: 'word', text: this.#text.slice(offset, this.#pos), char: '', offset }
      }
      if (ct & QUOTE) return { kind: 'quoted', text: this.#quoted(c), char: '', offset }
      if (c === 0x2f) {
        const d = this.#peek()
        if (d === 0x2a) {
          this.#pos++
          this.#skipBlockComment()
        } else {
          // `//`, or a lone '/' (a comment character in StreamTokenizer's default table).
          this.#skipLine()
        }
        continue
      }
      return { kind: 'char', text: null, char: String.fromCharCode(c), offset }
    }
  }

  #quoted(quote: number): string {
    let out = ''
    let d = this.#read()
    while (d !== EOF && d !== quote && d !== 10 && d !== 13) {
      let c: number
      if (d === 0x5c) {
        c = this.#read()
        const first = c
        if (c >= 0x30 && c <= 0x37) {
          c -= 0x30
          let c2 = this.#read()
          if (c2 >= 0x30 && c2 <= 0x37) {
            c = (c << 3) + (c2 - 0x30)
            c2 = this.#read()
            if (c2 >= 0x30 && c2 <= 0x37 && first <= 0x33) {
              c = (c << 3) + (c2 - 0x30)
              d = this.#read()
            } else d = c2
          } else d = c2
        } else {
          if (c !== EOF) c = ESCAPES[String.fromCharCode(c)] ?? c
          d = this.#read()
        }
      } else {
        c = d
        d = this.#read()
      }
      // A backslash at the very end stands for nothing here (Java appends U+FFFF); the entry then
      // lacks its ';' either way.
      if (c !== EOF) out += String.fromCharCode(c)
    }
    // A string cut by a line end leaves the line end to be read next, as StreamTokenizer does.
    if (d === 10 || d === 13) this.#pos--
    return out
  }

  #skipLine(): void {
    for (;;) {
      const c = this.#peek()
      if (c === EOF || c === 10 || c === 13) return
      this.#pos++
    }
  }

  #skipBlockComment(): void {
    let prev = 0
    for (;;) {
      const c = this.#read()
      if (c === EOF) return
      if (c === 0x2f && prev === 0x2a) return
      prev = c
    }
  }
}
