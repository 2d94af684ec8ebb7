/** Workload 6's task runner: N tasks, each with one send in flight, sending every record once. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Histogram, type Job, runTasks } from '../../bench/contenders/common.js'

const job = { numRecords: 1000, tasks: 7 } as Job

test('runTasks: never more than `tasks` sends in flight, one per task, numRecords in all', async () => {
  const hist = new Histogram()
  const failures: unknown[] = []
  let inFlight = 0
  let most = 0
  let sends = 0
  const busy = new Set<number>()
  await runTasks(
    job,
    hist,
    (err) => failures.push(err),
    async (task) => {
      assert.ok(!busy.has(task), `task ${task} sent while its previous send was pending`)
      busy.add(task)
      const n = ++sends
      most = Math.max(most, ++inFlight)
      await new Promise((r) => setImmediate(r))
      inFlight--
      busy.delete(task)
      if (n % 100 === 0) throw new Error('refused')
    },
  )
  assert.equal(sends, 1000)
  assert.equal(most, 7)
  assert.equal(failures.length, 10)
  assert.equal(hist.count, 990)
})
