/**
 * A one-line progress bar for a terminal: redrawn in place a few times a second, cleared before
 * any other line is printed (then drawn again below it) and removed at the end. Only used when
 * the stream it draws on is a TTY (stdout for `sluice perf`, stderr for `sluice produce`), so
 * pipes and files never see control characters.
 */

export interface TerminalLike {
  write(text: string): unknown
  readonly columns?: number
}

export interface ProgressCounts {
  /** Records acknowledged (successfully or not). */
  done: number
  total: number
  /** Milliseconds since the start. */
  elapsedMs: number
}

const CLEAR_LINE = '\r\x1b[2K'

/** The bar's text for `counts`, at most `width` characters wide. */
export function renderProgress(counts: ProgressCounts, width: number): string {
  const { done, total, elapsedMs } = counts
  const fraction = total <= 0 ? 1 : Math.min(1, done / total)
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0
  const remaining = rate > 0 ? (total - done) / rate : Number.NaN
  const eta = Number.isFinite(remaining) ? `ETA ${formatDuration(remaining)}` : 'ETA --'
  const info = ` ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} records, ${Math.round(rate)} records/sec, ${eta}`
  const barWidth = Math.max(0, Math.min(40, width - info.length - 3))
  if (barWidth < 10) return info.trim().slice(0, Math.max(0, width - 1))
  const filled = Math.round(fraction * barWidth)
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${info}`
}

function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/** A line redrawn in place; `render` turns the counts into text (perf's bar by default). */
export class ProgressBar<C = ProgressCounts> {
  readonly #out: TerminalLike
  readonly #counts: () => C
  readonly #render: (counts: C, width: number) => string
  #timer: NodeJS.Timeout | null = null
  #shown = false

  constructor(
    out: TerminalLike,
    counts: () => C,
    refreshMs = 200,
    render: (counts: C, width: number) => string = renderProgress as never,
  ) {
    this.#out = out
    this.#counts = counts
    this.#render = render
    this.#timer = setInterval(() => this.draw(), refreshMs)
    this.#timer.unref()
  }

  draw(): void {
    const width = this.#out.columns || 80
    this.#out.write(`${CLEAR_LINE}${this.#render(this.#counts(), width)}`)
    this.#shown = true
  }

  /** Prints a whole line above the bar. */
  line(text: string): void {
    this.around(() => this.#out.write(`${text}\n`))
  }

  /** Runs `write` (e.g. to stderr) with the bar out of the way. */
  around(write: () => void): void {
    this.#clear()
    write()
    if (this.#timer !== null) this.draw()
  }

  /** Removes the bar for good. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    this.#clear()
  }

  #clear(): void {
    if (!this.#shown) return
    this.#out.write(CLEAR_LINE)
    this.#shown = false
  }
}
