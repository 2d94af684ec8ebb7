/**
 * Java .properties files (java.util.Properties.load), so a Java producer's config file can be
 * used as is: `# ...` and `! ...` comment lines, `key=value`, `key: value` or `key value`,
 * backslash line continuations, and the escapes \t \n \r \f \uXXXX and \<any char>.
 */
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../errors.js'
import type { ProducerProperties } from './config/types.js'

const WS = new Set([' ', '\t', '\f'])

function trimStart(line: string): string {
  let i = 0
  while (i < line.length && WS.has(line[i]!)) i++
  return line.slice(i)
}

function trailingBackslashes(s: string): number {
  let n = 0
  while (n < s.length && s[s.length - 1 - n] === '\\') n++
  return n
}

function decodeEscapes(text: string, source: string, lineNo: number): string {
  if (!text.includes('\\')) return text
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c !== '\\' || i + 1 >= text.length) {
      out += c
      continue
    }
    const e = text[++i]!
    if (e === 'u') {
      const hex = text.slice(i + 1, i + 5)
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
        throw new ConfigError(
          `${source} line ${lineNo}`,
          `malformed \\uXXXX escape "\\u${hex}"; write exactly four hex digits, or \\\\u for a literal backslash-u.`,
        )
      }
      out += String.fromCharCode(Number.parseInt(hex, 16))
      i += 4
    } else if (e === 't') out += '\t'
    else if (e === 'n') out += '\n'
    else if (e === 'r') out += '\r'
    else if (e === 'f') out += '\f'
    else out += e
  }
  return out
}

/** Splits one logical line into its still-escaped key and value, as Properties.load does. */
function split(line: string): [string, string] {
  let keyEnd = 0
  let valueStart = line.length
  let hasSeparator = false
  let escaped = false
  for (; keyEnd < line.length; keyEnd++) {
    const c = line[keyEnd]!
    if (!escaped && (c === '=' || c === ':')) {
      valueStart = keyEnd + 1
      hasSeparator = true
      break
    }
    if (!escaped && WS.has(c)) {
      valueStart = keyEnd + 1
      break
    }
    escaped = c === '\\' ? !escaped : false
  }
  while (valueStart < line.length) {
    const c = line[valueStart]!
    if (!WS.has(c)) {
      if (hasSeparator || (c !== '=' && c !== ':')) break
      hasSeparator = true
    }
    valueStart++
  }
  return [line.slice(0, keyEnd), line.slice(valueStart)]
}

/**
 * Parses .properties text into key/value strings; a repeated key keeps its last value. Throws a
 * ConfigError naming the line for a malformed \uXXXX escape.
 */
export function parseProperties(text: string, source = 'properties'): ProducerProperties {
  const lines = text.split(/\r\n|\r|\n/)
  const out: Record<string, string> = {}
  let i = 0
  while (i < lines.length) {
    const lineNo = i + 1
    let logical = trimStart(lines[i++]!)
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue
    // An odd number of trailing backslashes continues the line; leading blanks of the next are dropped.
    while (trailingBackslashes(logical) % 2 === 1) {
      logical = logical.slice(0, -1)
      if (i >= lines.length) break
      logical += trimStart(lines[i++]!)
    }
    const [key, value] = split(logical)
    // defineProperty so that a key such as "__proto__" is stored like any other.
    Object.defineProperty(out, decodeEscapes(key, source, lineNo), {
      value: decodeEscapes(value, source, lineNo),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out as ProducerProperties
}

/**
 * Reads and parses a .properties file. UTF-8, falling back to ISO-8859-1 (Java's encoding for
 * these files) when the bytes are not valid UTF-8; a leading byte order mark is ignored.
 */
export async function loadPropertiesFile(path: string): Promise<ProducerProperties> {
  const bytes = await readFile(path)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = bytes.toString('latin1')
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1)
  return parseProperties(text, path)
}
