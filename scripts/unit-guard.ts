/**
 * Preloaded (node --import) into every unit-tier test process by scripts/run-tests.ts: a unit
 * test file that launches java, javac, mvn or kcat fails with an error that says which tier it
 * belongs in, instead of quietly depending on a JDK or Kafka's jars. (Kafka itself is out of
 * reach because SLUICE_TEST_BOOTSTRAP is unset; test/helpers/kafka.ts says so when asked.)
 */
import childProcess from 'node:child_process'
import { syncBuiltinESMExports } from 'node:module'
import { basename } from 'node:path'
import { promisify } from 'node:util'

const REFUSED = new Set(['java', 'javac', 'mvn', 'kcat'])

function check(command: unknown): void {
  if (typeof command !== 'string') return
  const program = basename(command.trim().split(/\s+/)[0] ?? '')
  if (REFUSED.has(program)) {
    throw new Error(
      `a unit-tier test launched \`${program}\`: unit tests run without Kafka and Java. ` +
        'Move the file to the integration tier in scripts/test-tiers.ts.',
    )
  }
}

type AnyFn = (...args: unknown[]) => unknown
const cp = childProcess as unknown as Record<string, AnyFn>
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync']) {
  const original = cp[name]
  if (typeof original !== 'function') continue
  const guarded = function (this: unknown, ...args: unknown[]) {
    check(args[0])
    return original.apply(this, args)
  }
  // util.promisify(execFile) and promisify(exec) go through this symbol: guard it too.
  const custom = (original as unknown as Record<symbol, AnyFn | undefined>)[promisify.custom]
  if (typeof custom === 'function') {
    Object.defineProperty(guarded, promisify.custom, {
      value: (...args: unknown[]) => {
        try {
          check(args[0])
        } catch (err) {
          return Promise.reject(err)
        }
        return custom(...args)
      },
    })
  }
  cp[name] = guarded
}
syncBuiltinESMExports()
