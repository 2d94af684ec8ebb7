/** The compile-once cache for the tests' Java programs (test/helpers/java.ts). */
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { murmur2 } from '../../src/protocol/murmur2.js'
import {
  compileJava,
  compileJavaClasses,
  findJavac,
  JAVA_DIR,
  javaCacheKey,
  javaSourcesIn,
  runJava,
  runJavaClass,
} from '../helpers/java.js'

/** What the programs print after the greeting: Kafka's murmur2 of "k" (so Kafka's jars were on the classpath). */
const M = murmur2(Buffer.from('k'))

const hello = (greeting: string) => ({
  name: 'Hello.java',
  text: `public class Hello {
  public static void main(String[] args) {
    System.out.println("${greeting} " + String.join(",", args) + " " + org.apache.kafka.common.utils.Utils.murmur2("k".getBytes()));
  }
}
`,
})

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-java-classes-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

test('the cache key changes with any source text or name, the Kafka version and the JDK; not with order', () => {
  const a = hello('hi')
  const b = { name: 'Other.java', text: 'public class Other {}' }
  const key = javaCacheKey([a, b], '4.4.0', '/jdk/bin/javac')
  assert.equal(javaCacheKey([b, a], '4.4.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([hello('hey'), b], '4.4.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([{ ...a, text: `${a.text} ` }, b], '4.4.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([{ ...a, name: 'Hello2.java' }, b], '4.4.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([a], '4.4.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([a, b], '4.3.0', '/jdk/bin/javac'), key)
  assert.notEqual(javaCacheKey([a, b], '4.4.0', '/other-jdk/bin/javac'), key)
  // no ambiguity from where one text ends and the next name begins
  assert.notEqual(
    javaCacheKey([{ name: 'A.java', text: 'xB.java' }], 'v', 'j'),
    javaCacheKey(
      [
        { name: 'A.java', text: 'x' },
        { name: 'B.java', text: '' },
      ],
      'v',
      'j',
    ),
  )
})

test('compiled once against the Kafka jars, then run from the cache; a changed source gets its own classes', async () => {
  const first = await compileJava([hello('hi')], root)
  assert.equal(first.compiled, true)
  assert.ok(existsSync(join(first.dir, 'Hello.class')))
  const run1 = await runJavaClass('Hello', ['a', 'b'], { classes: first })
  assert.equal(run1.stdout.trim(), `hi a,b ${M}`)

  const again = await compileJava([hello('hi')], root)
  assert.equal(again.dir, first.dir)

  const changed = await compileJava([hello('hey')], root)
  assert.equal(changed.compiled, true)
  assert.notEqual(changed.dir, first.dir)
  assert.equal((await runJavaClass('Hello', [], { classes: changed })).stdout.trim(), `hey  ${M}`)
  // no temporary folders left behind
  assert.deepEqual(
    readdirSync(root).sort(),
    [first.dir, changed.dir].map((d) => d.slice(root.length + 1)).sort(),
  )
})

test('concurrent compiles of the same sources (as from parallel test files) agree on one folder', async () => {
  const sources = [hello('same')]
  const other = await mkdtemp(join(root, 'concurrent-'))
  // Without the in-process memo, as two test processes would.
  const [x, y] = await Promise.all([compileJavaClasses(sources, other), compileJavaClasses(sources, other)])
  assert.equal(x.dir, y.dir)
  assert.ok(x.compiled || y.compiled)
  assert.equal((await runJavaClass('Hello', [], { classes: x })).stdout.trim(), `same  ${M}`)
  assert.deepEqual(readdirSync(other), [x.dir.slice(other.length + 1)])
})

test('a source that does not compile fails with javac’s message and leaves nothing in the cache', async () => {
  const broken = await mkdtemp(join(root, 'broken-'))
  await assert.rejects(
    compileJava([{ name: 'Broken.java', text: 'public class Broken { int x = ; }' }], broken),
    /javac failed for Broken\.java[\s\S]*illegal start of expression/,
  )
  assert.deepEqual(readdirSync(broken), [])
})

test('the test/java programs run from compiled classes', async () => {
  assert.ok(javaSourcesIn(JAVA_DIR).some((s) => s.name === 'ReadTopic.java'))
  assert.match(findJavac(), /javac$/)
  const { stdout } = await runJava('ErrorTable.java')
  assert.match(stdout, /^3 UNKNOWN_TOPIC_OR_PARTITION true$/m)
})
