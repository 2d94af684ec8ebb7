/**
 * sasl.jaas.config read as Kafka's JaasConfig (StreamTokenizer) reads it, and its errors, which
 * must never quote the text (it holds passwords).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import { resolveConfig } from '../../src/producer/config/index.js'
import {
  checkLoginModule,
  OAUTHBEARER_LOGIN_MODULE,
  PLAIN_LOGIN_MODULE,
  parseJaasConfig,
  parseJaasEntries,
  SCRAM_LOGIN_MODULE,
} from '../../src/security/jaas.js'
import { saslFromSettings } from '../../src/security/sasl/from-settings.js'
import { PlainMechanism } from '../../src/security/sasl/plain.js'
import { ScramMechanism } from '../../src/security/sasl/scram.js'

const PLAIN = PLAIN_LOGIN_MODULE
const SECRET = 'hunter2-Sup3rS3cret'

function options(text: string): Record<string, string> {
  return Object.fromEntries(parseJaasConfig(text).options)
}

describe('JAAS config: valid forms', () => {
  test('module, flag and quoted options', () => {
    const e = parseJaasConfig(`${PLAIN} required username="alice" password="${SECRET}";`)
    assert.equal(e.loginModule, PLAIN)
    assert.equal(e.controlFlag, 'required')
    assert.deepEqual(Object.fromEntries(e.options), { username: 'alice', password: SECRET })
  })

  test('every control flag, in any case, also quoted', () => {
    for (const [flag, want] of [
      ['required', 'required'],
      ['REQUISITE', 'requisite'],
      ['Sufficient', 'sufficient'],
      ['optional', 'optional'],
      ['"required"', 'required'],
    ] as const) {
      assert.equal(parseJaasConfig(`${PLAIN} ${flag};`).controlFlag, want)
    }
  })

  test('unquoted words take letters, digits, . - _ $ and characters above 159', () => {
    assert.deepEqual(options(`${PLAIN} required username=svc-user_1.a$b password=pässwörd;`), {
      username: 'svc-user_1.a$b',
      password: 'pässwörd',
    })
  })

  test('single quotes, empty values, = and ; inside quotes, no space before ;', () => {
    assert.deepEqual(options(`${PLAIN} required username='bob' password="a=b;c d" x="";`), {
      username: 'bob',
      password: 'a=b;c d',
      x: '',
    })
  })

  test('escapes as StreamTokenizer reads them', () => {
    const o = options(
      String.raw`${PLAIN} required a="q\"q" b="back\\slash" c="\n\t\r" d="\101\60\0" e="\x\'" f="\477" g='it\'s';`,
    )
    assert.equal(o.a, 'q"q')
    assert.equal(o.b, 'back\\slash')
    assert.equal(o.c, '\n\t\r')
    assert.equal(o.d, 'A0\0')
    assert.equal(o.e, "x'")
    assert.equal(o.f, "'7", 'octal \\477 is \\47 then 7: three digits only from \\0 to \\377')
    assert.equal(o.g, "it's")
  })

  test('comments: //, /* */ and a lone / run as in Java; whitespace and line breaks anywhere', () => {
    const text = `// a comment with password="not this"
      ${PLAIN} /* block
      comment */ required
        username="alice"   // trailing
        password="${SECRET}"
      ;`
    assert.deepEqual(options(text), { username: 'alice', password: SECRET })
    assert.deepEqual(options(`${PLAIN} required a="1" / everything here is a comment\n b="2";`), {
      a: '1',
      b: '2',
    })
  })

  test('a name given twice keeps the last value', () => {
    assert.equal(options(`${PLAIN} required a="1" a="2";`).a, '2')
  })

  test('several entries are parsed, but a client takes exactly one', () => {
    const text = `${PLAIN} required a="1"; ${SCRAM_LOGIN_MODULE} optional b="2";`
    assert.equal(parseJaasEntries(text).length, 2)
    assert.throws(
      () => parseJaasConfig(text),
      (e: unknown) => e instanceof ConfigError && /2 login modules/.test(e.message),
    )
  })
})

describe('JAAS config: invalid forms are ConfigErrors that never quote the text', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '   // only a comment', /no login module/],
    ['no control flag', `${PLAIN}`, /control flag/],
    ['bad control flag', `${PLAIN} ${SECRET} username="a";`, /control flag/],
    ['no semicolon', `${PLAIN} required username="a" password="${SECRET}"`, /without the ';'/],
    ['unterminated quote', `${PLAIN} required password="${SECRET};`, /without the ';'/],
    ['quote cut by a line end', `${PLAIN} required password="${SECRET}\n";`, /./],
    ['missing value', `${PLAIN} required password=;`, /has no value/],
    ['missing =', `${PLAIN} required password "${SECRET}";`, /has no value/],
    ['bare number value', `${PLAIN} required password=12345;`, /has no value/],
    ['value with a character outside words', `${PLAIN} required password=${SECRET}+x;`, /./],
    ['name that is no word', `${PLAIN} required 123="${SECRET}";`, /option name/],
    ['module that is no word', `="x" required;`, /login module class name/],
    ['two modules', `${PLAIN} required; ${PLAIN} required password="${SECRET}";`, /exactly one/],
  ]
  for (const [name, text, want] of cases) {
    test(name, () => {
      assert.throws(
        () => parseJaasConfig(text),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `a ConfigError, got ${e}`)
          assert.equal(e.option, 'sasl.jaas.config')
          assert.match(e.message, want)
          assert.ok(!e.message.includes(SECRET), `the message shows the secret: ${e.message}`)
          assert.ok(!e.message.includes('hunter'), `the message shows part of the secret: ${e.message}`)
          return true
        },
      )
    })
  }

  test('errors give line and column', () => {
    assert.throws(
      () => parseJaasConfig(`${PLAIN} required\n  username="a"\n  password=;`),
      /line 3, column 3.*line 3, column 12/,
    )
  })
})

describe('JAAS login modules and mechanisms', () => {
  test('a module for another mechanism names both', () => {
    const entry = parseJaasConfig(`${SCRAM_LOGIN_MODULE} required username="a" password="${SECRET}";`)
    assert.throws(
      () => checkLoginModule(entry, 'PLAIN'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes(SCRAM_LOGIN_MODULE) &&
        e.message.includes('PLAIN') &&
        e.message.includes(PLAIN_LOGIN_MODULE),
    )
    assert.doesNotThrow(() => checkLoginModule(entry, 'SCRAM-SHA-512'))
    assert.throws(() => checkLoginModule(entry, 'OAUTHBEARER'), /OAuthBearerLoginModule/)
    const oauth = parseJaasConfig(`${OAUTHBEARER_LOGIN_MODULE} required;`)
    assert.doesNotThrow(() => checkLoginModule(oauth, 'OAUTHBEARER'))
  })

  test('an unknown module is named only when it reads as a LoginModule class', () => {
    const krb = parseJaasConfig('com.sun.security.auth.module.Krb5LoginModule required;')
    assert.throws(() => checkLoginModule(krb, 'PLAIN'), /Krb5LoginModule, which Sluice does not support/)
    const typo = parseJaasConfig(`${SECRET} required;`)
    assert.throws(
      () => checkLoginModule(typo, 'PLAIN'),
      (e: unknown) =>
        e instanceof ConfigError && !e.message.includes(SECRET) && /does not know/.test(e.message),
    )
  })

  test('sasl.jaas.config gives PLAIN and SCRAM their credentials (tokenauth for SCRAM)', () => {
    const plain = saslFromSettings(
      resolveConfig({
        bootstrapServers: '127.0.0.1:9092',
        securityProtocol: 'SASL_PLAINTEXT',
        saslMechanism: 'PLAIN',
        saslJaasConfig: `${PLAIN} required username="alice" password="${SECRET}";`,
      }),
    )
    assert.ok(plain instanceof PlainMechanism)
    const first = plain.start()(null)
    assert.deepEqual(first, Buffer.from(`\0alice\0${SECRET}`))

    const scram = saslFromSettings(
      resolveConfig({
        bootstrapServers: '127.0.0.1:9092',
        securityProtocol: 'SASL_PLAINTEXT',
        saslMechanism: 'SCRAM-SHA-256',
        saslJaasConfig: `${SCRAM_LOGIN_MODULE} required username="alice" password="${SECRET}" tokenauth="TRUE";`,
      }),
    )
    assert.ok(scram instanceof ScramMechanism)
    assert.equal(scram.name, 'SCRAM-SHA-256')
  })

  test('a missing password is a ConfigError naming the option', () => {
    assert.throws(
      () =>
        saslFromSettings(
          resolveConfig({
            bootstrapServers: '127.0.0.1:9092',
            securityProtocol: 'SASL_PLAINTEXT',
            saslMechanism: 'PLAIN',
            saslJaasConfig: `${PLAIN} required username="alice";`,
          }),
        ),
      (e: unknown) => e instanceof ConfigError && /no password option/.test(e.message),
    )
  })
})
