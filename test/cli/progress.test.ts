import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProgressBar, renderProgress } from '../../src/cli/common/progress.js'

const CLEAR = '\r\x1b[2K'

describe('progress bar', () => {
  test('renders done/total, rate and ETA within the terminal width', () => {
    const text = renderProgress({ done: 250_000, total: 1_000_000, elapsedMs: 1000 }, 100)
    assert.equal(
      text,
      `[${'#'.repeat(10)}${'.'.repeat(30)}]  25% 250000/1000000 records, 250000 records/sec, ETA 3s`,
    )
    assert.ok(text.length <= 100)
    assert.match(
      renderProgress({ done: 0, total: 10, elapsedMs: 0 }, 80),
      /0% 0\/10 records, 0 records\/sec, ETA --$/,
    )
    assert.match(renderProgress({ done: 10, total: 10, elapsedMs: 5 }, 80), /^\[#+\] 100% /)
    assert.match(renderProgress({ done: 1, total: 100_000, elapsedMs: 1000 }, 200), /ETA 27h46m$/)
  })

  test('a narrow terminal gets the figures without a bar, cut to the width', () => {
    const text = renderProgress({ done: 5, total: 10, elapsedMs: 1000 }, 30)
    assert.ok(!text.startsWith('['))
    assert.ok(text.length < 30, text)
  })

  test('lines are printed above the bar: clear, line, redraw; stop() removes it', () => {
    const out: string[] = []
    const term = { columns: 80, write: (s: string) => out.push(s) }
    let done = 0
    const bar = new ProgressBar(term, () => ({ done, total: 4, elapsedMs: 1000 }), 60_000)
    bar.line('before any draw')
    assert.deepEqual(out, [
      'before any draw\n',
      `${CLEAR}${renderProgress({ done: 0, total: 4, elapsedMs: 1000 }, 80)}`,
    ])
    out.length = 0
    done = 2
    bar.line('a window line')
    assert.equal(out[0], CLEAR)
    assert.equal(out[1], 'a window line\n')
    assert.ok(out[2]!.startsWith(CLEAR), out[2])
    assert.match(out[2]!.slice(CLEAR.length), /^\[.*\] {2}50% 2\/4 records/)
    out.length = 0
    let wrote = false
    bar.around(() => {
      wrote = true
      assert.deepEqual(out, [CLEAR], 'the bar is cleared before the other stream writes')
    })
    assert.ok(wrote)
    out.length = 0
    bar.stop()
    assert.deepEqual(out, [CLEAR])
    bar.line('after stop')
    assert.deepEqual(out, [CLEAR, 'after stop\n'], 'no redraw once stopped')
  })
})
