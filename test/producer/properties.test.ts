import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import { loadPropertiesFile, parseProperties } from '../../src/producer/properties.js'
import { runJavaSource } from '../helpers/java.js'

/** [description, .properties text, expected entries] */
const CASES: [string, string, Record<string, string>][] = [
  ['= separator', 'a=1', { a: '1' }],
  [': separator', 'a:1', { a: '1' }],
  ['whitespace separator', 'a 1', { a: '1' }],
  ['blanks around the separator', '  a  =  x y  ', { a: 'x y  ' }],
  ['blanks then = or :', 'a   :=b', { a: '=b' }],
  ['tab and form feed as blanks', '\ta\f=\t1', { a: '1' }],
  ['key only', 'lonely', { lonely: '' }],
  ['key with separator, empty value', 'k=', { k: '' }],
  ['# and ! comments', '# c=1\n! d=2\n   # indented\ne=3', { e: '3' }],
  ['# inside a value is kept', 'a=1 # not a comment', { a: '1 # not a comment' }],
  ['blank lines', '\n\n  \na=1\n\n', { a: '1' }],
  ['CRLF and CR line ends', 'a=1\r\nb=2\rc=3', { a: '1', b: '2', c: '3' }],
  ['continuation drops leading blanks', 'a=one \\\n     two \\\n\tthree', { a: 'one two three' }],
  ['even backslashes do not continue', 'a=x\\\\\nb=y', { a: 'x\\', b: 'y' }],
  ['odd backslashes continue', 'a=x\\\\\\\n  y', { a: 'x\\y' }],
  ['a comment line does not continue', '# c \\\nb=2', { b: '2' }],
  ['continuation into a # line keeps it', 'a=1\\\n#2', { a: '1#2' }],
  ['continuation into an empty line ends', 'a=1\\\n\nb=2', { a: '1', b: '2' }],
  ['trailing backslash at end of input', 'a=1\\', { a: '1' }],
  ['continued key', 'ke\\\n  y=v', { key: 'v' }],
  ['escapes', 'a=\\t\\n\\r\\f\\q\\\\', { a: '\t\n\r\f' + 'q\\' }],
  ['escaped separators in key', 'a\\=b\\:c\\ d=e', { 'a=b:c d': 'e' }],
  ['\\u escapes', 'k\\u0041=\\u00e9\\u20AC', { kA: 'é€' }],
  ['non-ASCII text as is', 'clé=välue ✓', { clé: 'välue ✓' }],
  ['repeated key keeps the last', 'a=1\na=2', { a: '2' }],
  ['__proto__ is a plain key', '__proto__=x', { ['__proto__']: 'x' }],
  ['escaped # starts a key', '\\#a=1', { '#a': '1' }],
  [
    'a producer file',
    'bootstrap.servers=a:9092,\\\n  b:9092\nacks = all\nlinger.ms: 5\n',
    {
      'bootstrap.servers': 'a:9092,b:9092',
      acks: 'all',
      'linger.ms': '5',
    },
  ],
]

function entries(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

describe('parseProperties', () => {
  for (const [name, text, expected] of CASES) {
    test(name, () => {
      const got = parseProperties(text)
      assert.deepEqual(entries(got), entries(expected))
    })
  }

  test('__proto__ becomes an own property, not the prototype', () => {
    const got = parseProperties('__proto__=x')
    assert.equal(Object.getPrototypeOf(got), Object.prototype)
    assert.ok(Object.hasOwn(got, '__proto__'))
  })

  test('a malformed \\u escape is a ConfigError naming the line', () => {
    for (const text of ['a=1\nb=\\u00', 'a=1\nb=\\u00zz1', 'a=1\n\\uXYZW=1']) {
      assert.throws(
        () => parseProperties(text, 'p.properties'),
        (err: unknown) =>
          err instanceof ConfigError && err.option === 'p.properties line 2' && /\\uXXXX/.test(err.message),
      )
    }
  })
})

const JAVA_SOURCE = `
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
public class PropsProbe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Base64.Encoder b64 = Base64.getEncoder();
    String line;
    while ((line = in.readLine()) != null) {
      Properties p = new Properties();
      try {
        p.load(new StringReader(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8)));
      } catch (IllegalArgumentException e) {
        System.out.println("ERROR");
        continue;
      }
      StringBuilder out = new StringBuilder("OK");
      for (String k : new TreeSet<>(p.stringPropertyNames())) {
        out.append(' ').append(b64.encodeToString(k.getBytes(StandardCharsets.UTF_8)))
           .append(':').append(b64.encodeToString(p.getProperty(k).getBytes(StandardCharsets.UTF_8)));
      }
      System.out.println(out);
    }
  }
}
`

/** java.util.Properties.load on each text: sorted entries, or null when Java rejects it. */
async function javaLoad(texts: string[]): Promise<([string, string][] | null)[]> {
  const input = `${texts.map((t) => Buffer.from(t).toString('base64')).join('\n')}\n`
  const { stdout } = await runJavaSource({ name: 'PropsProbe.java', text: JAVA_SOURCE }, [], input)
  const lines = stdout.split('\n').filter((l) => l.length > 0)
  assert.equal(lines.length, texts.length, 'one answer per text')
  const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8')
  return lines.map((l) => {
    if (l === 'ERROR') return null
    return l
      .split(' ')
      .slice(1)
      .map((kv) => {
        const [k, v] = kv.split(':')
        return [decode(k ?? ''), decode(v ?? '')] as [string, string]
      })
  })
}

describe("parseProperties agrees with Java's Properties.load", () => {
  const extra = [
    'a=\\u00',
    'x\\\n\\\n\\\ny=z',
    ' \\\n a=b',
    'a\\\\=b',
    'a=b\\\\\\\\\\\n c',
    '!\n#\n=v',
    ': v',
  ]
  const texts = [...CASES.map(([, text]) => text), ...extra]
  let java: ([string, string][] | null)[] = []
  before(async () => {
    java = await javaLoad(texts)
  })
  for (const [i, text] of texts.entries()) {
    test(JSON.stringify(text), () => {
      const want = java[i]
      assert.ok(want !== undefined)
      if (want === null) {
        assert.throws(() => parseProperties(text), ConfigError)
        return
      }
      assert.deepEqual(entries(parseProperties(text)), want)
    })
  }
})

describe('loadPropertiesFile', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-props-file-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('reads a producer file that resolveConfig accepts', async () => {
    const path = join(dir, 'producer.properties')
    await writeFile(
      path,
      [
        '# Java producer settings',
        'bootstrap.servers=broker1:9092,\\',
        '    [::1]:9093',
        'acks=1',
        'linger.ms = 20',
        'enable.idempotence:false',
        'key.serializer=org.apache.kafka.common.serialization.StringSerializer',
        'value.serializer=org.apache.kafka.common.serialization.ByteArraySerializer',
        'compression.type=zstd',
        'client.id=caf\\u00e9',
        '',
      ].join('\n'),
    )
    const props = await loadPropertiesFile(path)
    const c = resolveConfig(props)
    assert.deepEqual(c.bootstrapServers, [
      { host: 'broker1', port: 9092 },
      { host: '::1', port: 9093 },
    ])
    assert.equal(c.acks, 1)
    assert.equal(c.lingerMs, 20)
    assert.equal(c.enableIdempotence, false)
    assert.equal(c.keySerializer, 'string')
    assert.equal(c.valueSerializer, 'buffer')
    assert.equal(c.compressionType, 'zstd')
    assert.equal(c.clientId, 'café')
  })

  test('UTF-8 with a byte order mark', async () => {
    const path = join(dir, 'bom.properties')
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('clé=✓\n', 'utf8')]))
    assert.deepEqual(await loadPropertiesFile(path), { clé: '✓' })
  })

  test('ISO-8859-1 when the bytes are not UTF-8', async () => {
    const path = join(dir, 'latin1.properties')
    await writeFile(path, Buffer.from('cl\xe9=\xe0\n', 'latin1'))
    assert.deepEqual(await loadPropertiesFile(path), { clé: 'à' })
  })

  test('a malformed escape names the file and line', async () => {
    const path = join(dir, 'bad.properties')
    await writeFile(path, 'a=1\nb=\\u12\n')
    await assert.rejects(
      loadPropertiesFile(path),
      (err: unknown) => err instanceof ConfigError && err.option === `${path} line 2`,
    )
  })

  test('a missing file rejects with the fs error', async () => {
    await assert.rejects(loadPropertiesFile(join(dir, 'nope.properties')), { code: 'ENOENT' })
  })
})
