/** `sluice produce`'s input: lines from a byte stream, kafka-console-producer's line format, JSON Lines. */
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { readLines } from '../../src/cli/produce/input.js'
import {
  DEFAULT_READER,
  LineError,
  LineParser,
  parseJsonLine,
  readerConfig,
} from '../../src/cli/produce/lines.js'

async function lines(chunks: (string | Buffer)[]): Promise<[string, number][]> {
  const out: [string, number][] = []
  for await (const l of readLines(Readable.from(chunks, { objectMode: false }))) out.push(l)
  return out
}

function parser(props: Record<string, string>): LineParser {
  return new LineParser(readerConfig(new Map(Object.entries(props))))
}

describe('readLines', () => {
  test('LF and CRLF endings, a last line without a newline, numbers from 1', async () => {
    assert.deepEqual(await lines(['a\nb\r\n', 'c']), [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ])
  })

  test('empty lines are lines; a final newline adds none; an empty input has none', async () => {
    assert.deepEqual(await lines(['\n\nx\n']), [
      ['', 1],
      ['', 2],
      ['x', 3],
    ])
    assert.deepEqual(await lines([]), [])
    assert.deepEqual(await lines(['\r\n']), [['', 1]])
  })

  test('a CR split from its LF by a chunk boundary, and a UTF-8 character split in two', async () => {
    const euro = Buffer.from('€', 'utf8')
    assert.deepEqual(
      await lines([
        Buffer.from('k1\r'),
        Buffer.from('\nv'),
        euro.subarray(0, 1),
        euro.subarray(1),
        Buffer.from('\n'),
      ]),
      [
        ['k1', 1],
        ['v€', 2],
      ],
    )
  })

  test('a line spread over many chunks comes out whole', async () => {
    const chunks = Array.from({ length: 1000 }, () => 'x'.repeat(1000))
    const out = await lines([...chunks, 'ab\n', 'end'])
    assert.equal(out.length, 2)
    assert.equal(out[0]![0].length, 1_000_000 + 2)
    assert.ok(out[0]![0].endsWith('xab'))
    assert.deepEqual(out[1], ['end', 2])
  })

  test("a lone CR ends a line, as in Java's readLine() (kafka-console-producer's reader)", async () => {
    assert.deepEqual(await lines(['four\rfive\r\rsix\r']), [
      ['four', 1],
      ['five', 2],
      ['', 3],
      ['six', 4],
    ])
    // A CR at the end of a chunk: a LF at the start of the next is the same line ending.
    assert.deepEqual(await lines(['a\r', '\nb\r', 'c\r', '', '\n']), [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ])
  })

  test('pulls one chunk at a time: nothing is read ahead of the lines taken', async () => {
    let pulled = 0
    async function* source() {
      for (let i = 0; i < 5; i++) {
        pulled++
        yield Buffer.from(`line${i}\n`)
      }
    }
    const it = readLines(source())
    await it.next()
    assert.equal(pulled, 1)
    await it.next()
    assert.equal(pulled, 2)
    await it.return(undefined)
  })
})

describe('kafka-console-producer lines', () => {
  test('by default the whole line is the value, with a null key and no headers', () => {
    const p = new LineParser(DEFAULT_READER)
    assert.deepEqual(p.parse('a\tb:c'), { key: null, value: 'a\tb:c', headers: [] })
    assert.deepEqual(p.parse(''), { key: null, value: '', headers: [] })
  })

  test('parse.key splits at the first key.separator (default TAB); the value keeps later ones', () => {
    assert.deepEqual(parser({ 'parse.key': 'true' }).parse('k\tv\tw'), {
      key: 'k',
      value: 'v\tw',
      headers: [],
    })
    const colon = parser({ 'parse.key': 'true', 'key.separator': '::' })
    assert.deepEqual(colon.parse('k::v::w'), { key: 'k', value: 'v::w', headers: [] })
    assert.deepEqual(colon.parse('::v'), { key: '', value: 'v', headers: [] })
    assert.deepEqual(colon.parse('k::'), { key: 'k', value: '', headers: [] })
  })

  test('a line without the key separator is an error (as in Java), or a null key with ignore.error', () => {
    const p = parser({ 'parse.key': 'true', 'key.separator': ':' })
    assert.throws(
      () => p.parse('no separator'),
      (e: Error) => e instanceof LineError && /no key separator \(":"\) found/.test(e.message),
    )
    assert.throws(() => p.parse(''), LineError)
    const lenient = parser({ 'parse.key': 'true', 'key.separator': ':', 'ignore.error': 'true' })
    assert.deepEqual(lenient.parse('no separator'), { key: null, value: 'no separator', headers: [] })
  })

  test('parse.headers: pairs before headers.delimiter, split by headers.separator and headers.key.separator', () => {
    const p = parser({ 'parse.headers': 'true', 'parse.key': 'true' })
    assert.deepEqual(p.parse('h1:v1,h2:v2,h1:x\tkey\tvalue'), {
      key: 'key',
      value: 'value',
      headers: [
        ['h1', 'v1'],
        ['h2', 'v2'],
        ['h1', 'x'],
      ],
    })
    // The value of a header keeps later key separators; an empty value is an empty string.
    assert.deepEqual(parser({ 'parse.headers': 'true' }).parse('url:http://x,e:\tv').headers, [
      ['url', 'http://x'],
      ['e', ''],
    ])
  })

  test('custom header separators; headers.separator is a regular expression, as in Java', () => {
    const p = parser({
      'parse.headers': 'true',
      'headers.delimiter': '|',
      'headers.separator': ';\\s*',
      'headers.key.separator': '=',
    })
    assert.deepEqual(p.parse('a=1; b=2|value'), {
      key: null,
      value: 'value',
      headers: [
        ['a', '1'],
        ['b', '2'],
      ],
    })
  })

  test('a header pair without its key separator, and a missing headers delimiter, are errors', () => {
    const p = parser({ 'parse.headers': 'true' })
    assert.throws(() => p.parse('novalue\tv'), /no header key separator \(":"\) found in pair 'novalue'/)
    assert.throws(() => p.parse('just a value'), /no headers delimiter/)
    const lenient = parser({ 'parse.headers': 'true', 'ignore.error': 'true' })
    assert.deepEqual(lenient.parse('novalue\tv').headers, [['novalue', null]])
    assert.deepEqual(lenient.parse('just a value'), { key: null, value: 'just a value', headers: [] })
  })

  test('null.marker makes a key, a value or a header value null; a header key may not be it', () => {
    const p = parser({ 'parse.headers': 'true', 'parse.key': 'true', 'null.marker': '<null>' })
    assert.deepEqual(p.parse('h:<null>\t<null>\t<null>'), { key: null, value: null, headers: [['h', null]] })
    assert.deepEqual(p.parse('<null>\tk\tv'), { key: 'k', value: 'v', headers: [] })
    assert.throws(() => p.parse('<null>:x\tk\tv'), /header keys should not be equal to the null marker/)
  })

  test("ambiguous separators and unknown properties are refused, as Java's configure() refuses them", () => {
    const bad = (props: Record<string, string>, re: RegExp) =>
      assert.throws(
        () => readerConfig(new Map(Object.entries(props))),
        (e: Error) => e instanceof LineError && re.test(e.message),
      )
    bad({ 'headers.separator': '\t' }, /headers.delimiter and headers.separator may not be equal/)
    bad({ 'headers.key.separator': '\t' }, /headers.delimiter and headers.key.separator may not be equal/)
    bad({ 'headers.key.separator': ',' }, /headers.separator and headers.key.separator may not be equal/)
    bad({ 'null.marker': '\t' }, /null.marker and key.separator may not be equal/)
    bad({ 'key.separator': '' }, /key.separator must not be empty/)
    bad({ 'parse.kye': 'true' }, /unknown property 'parse.kye'; did you mean 'parse.key'\?/)
  })
})

describe('JSON Lines', () => {
  test('key, value, headers, partition and timestamp; non-string values are written as their JSON text', () => {
    assert.deepEqual(
      parseJsonLine(
        '{"key":"k","value":{"a":[1,2]},"headers":{"h":"v","n":null},"partition":2,"timestamp":1700000000000}',
      ),
      {
        key: 'k',
        value: '{"a":[1,2]}',
        headers: [
          ['h', 'v'],
          ['n', null],
        ],
        partition: 2,
        timestamp: 1700000000000,
      },
    )
    assert.deepEqual(parseJsonLine('{"value":"plain"}'), { key: null, value: 'plain', headers: [] })
    assert.deepEqual(parseJsonLine('{"key":7,"value":true}'), { key: '7', value: 'true', headers: [] })
    assert.deepEqual(parseJsonLine('{"value":null}'), { key: null, value: null, headers: [] })
    assert.deepEqual(parseJsonLine('{"value":"x","headers":[["h","1"],["h","2"]]}').headers, [
      ['h', '1'],
      ['h', '2'],
    ])
    assert.equal(
      parseJsonLine('{"value":"x","timestamp":"2024-01-02T03:04:05.006Z"}').timestamp,
      Date.UTC(2024, 0, 2, 3, 4, 5, 6),
    )
  })

  test('errors say what is wrong', () => {
    const bad = (line: string, re: RegExp) =>
      assert.throws(
        () => parseJsonLine(line),
        (e: Error) => e instanceof LineError && re.test(e.message),
        line,
      )
    bad('{"value":', /not valid JSON/)
    bad('[1,2]', /expected a JSON object .* got an array/)
    bad('"text"', /got a string/)
    bad('{"vaule":"x"}', /unknown field 'vaule'; did you mean 'value'\?/)
    bad('{"value":"x","partition":"1"}', /partition must be a whole number/)
    bad('{"value":"x","partition":-1}', /partition must be a whole number/)
    bad('{"value":"x","timestamp":"yesterday"}', /timestamp must be epoch milliseconds/)
    bad('{"value":"x","headers":{"h":1}}', /header 'h' must be a string or null, got a number/)
    bad('{"value":"x","headers":[["h"]]}', /headers\[0\] must be a \[key, value\] pair/)
    bad('{"value":"x","headers":"h:v"}', /headers must be an object or an array/)
  })
})
