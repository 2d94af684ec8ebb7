/**
 * The registry harness fails, and says why, when it cannot run: a test that needs the registry
 * must fail, never skip or hang.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RegistryNotReadyError, startSchemaRegistry } from '../helpers/schema-registry.js'

test('without java (or mvn) on PATH, startSchemaRegistry rejects promptly and names what failed', {
  timeout: 60_000,
}, async () => {
  const path = process.env.PATH
  process.env.PATH = '/nonexistent'
  try {
    await assert.rejects(startSchemaRegistry({ readyTimeoutMs: 30_000 }), (err: unknown) => {
      const message = (err as Error).message
      // With the registry already built, java is what is missing; with an empty cache, Maven.
      assert.match(message, /could not start \(spawn java ENOENT\)|could not build Apicurio Registry/)
      return true
    })
  } finally {
    process.env.PATH = path
  }
})

test('a registry that cannot serve TLS (its certificate file is missing) rejects, naming why, and cleans up', {
  timeout: 120_000,
}, async () => {
  await assert.rejects(
    startSchemaRegistry({
      readyTimeoutMs: 90_000,
      tls: {
        certFile: '/nonexistent/server.pem',
        keyFile: '/nonexistent/server.key',
        caFile: '/nonexistent/ca.pem',
      },
    }),
    (err: unknown) => {
      assert.ok(err instanceof RegistryNotReadyError, String(err))
      assert.match(err.message, /exited before it was ready|not ready on port/)
      assert.match(err.message, /nonexistent/)
      return true
    },
  )
})
