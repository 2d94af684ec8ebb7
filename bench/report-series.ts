/**
 * The over-time panels of the benchmark's SVG, per workload: RSS of every contender (the
 * harness's VmRSS samples) and event-loop delay of every Node contender (its own samples), both
 * against seconds since the contender's process started, from the median run. Time is on a
 * log scale: in one workload a contender may take 2 s and another 400 s, and both must read;
 * so is the event-loop delay (from 1 ms, an idle loop, to seconds of a blocked one).
 */
import type { Cell } from './report.js'
import type { Contender } from './run.js'

const PALETTE = [
  '#1f77b4',
  '#17becf',
  '#ff7f0e',
  '#d62728',
  '#9467bd',
  '#7f7f7f',
  '#2ca02c',
  '#8c564b',
  '#e377c2',
  '#bcbd22',
]
const MAX_POINTS = 400
const PLOT_H = 150
const MARGIN = { left: 52, right: 12, top: 22, bottom: 34 }
/** The time axis starts here (s): the harness's first sample comes 100 ms after spawn. */
const T_MIN = 0.1

type Point = [number, number]

export const colorOf = (contenders: Contender[], id: string): string =>
  PALETTE[
    Math.max(
      0,
      contenders.findIndex((c) => c.id === id),
    ) % PALETTE.length
  ]!

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A round tick step giving at most about `n` ticks up to `max`. */
function tickStep(max: number, n: number): number {
  const raw = max / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag
  return 10 * mag
}

/** `from`, 2 and 5 times it, 10 times it, ... up to `top` (`from` a power of ten). */
function logTicks(top: number, from = T_MIN, steps: readonly number[] = [1, 2, 5]): number[] {
  const out: number[] = []
  for (let d = from; d <= top * 1.0001; d *= 10)
    for (const m of steps) if (d * m <= top * 1.0001) out.push(Number((d * m).toPrecision(2)))
  return out
}

/** At most MAX_POINTS points: each bucket of consecutive samples keeps its highest value (peaks stay visible). */
function downsample(points: Point[]): Point[] {
  if (points.length <= MAX_POINTS) return points
  const size = Math.ceil(points.length / MAX_POINTS)
  const out: Point[] = []
  for (let i = 0; i < points.length; i += size) {
    let best = points[i]!
    for (let k = i + 1; k < Math.min(i + size, points.length); k++)
      if (points[k]![1] > best[1]) best = points[k]!
    out.push(best)
  }
  return out
}

interface Curve {
  id: string
  points: Point[]
}

function panel(
  x0: number,
  y0: number,
  width: number,
  title: string,
  yUnit: string,
  curves: Curve[],
  contenders: Contender[],
  empty: string,
  /** The lowest value of a log-scale y axis (a power of ten); linear from 0 when absent. */
  yLogFrom?: number,
): string[] {
  const out: string[] = [`<text x="${x0}" y="${y0 + 12}" font-weight="bold">${esc(title)}</text>`]
  const px = x0 + MARGIN.left
  const py = y0 + MARGIN.top
  const pw = width - MARGIN.left - MARGIN.right
  out.push(`<rect x="${px}" y="${py}" width="${pw}" height="${PLOT_H}" fill="#fafafa" stroke="#ccc"/>`)
  const all = curves.flatMap((c) => c.points)
  if (all.length === 0) {
    out.push(`<text x="${px + 8}" y="${py + 20}" fill="#999">${esc(empty)}</text>`)
    return out
  }
  const xMax = Math.max(T_MIN * 10, ...all.map((p) => p[0]))
  const yMax = Math.max(1e-3, ...all.map((p) => p[1]))
  const yStep = tickStep(yMax, 4)
  const yTop = Math.ceil(yMax / yStep) * yStep
  const xTop = tickStep(xMax, 1) // 1, 2 or 5 times a power of ten
  const decades = Math.log10(xTop / T_MIN)
  const sx = (v: number) => px + (Math.log10(Math.max(v, T_MIN) / T_MIN) / decades) * pw
  const yLogTop = yLogFrom === undefined ? 0 : tickStep(Math.max(yMax, yLogFrom * 10), 1)
  const sy =
    yLogFrom === undefined
      ? (v: number) => py + PLOT_H - (v / yTop) * PLOT_H
      : (v: number) =>
          py +
          PLOT_H -
          (Math.log10(Math.max(v, yLogFrom) / yLogFrom) / Math.log10(yLogTop / yLogFrom)) * PLOT_H
  const label = (v: number, step: number) => (step < 1 ? v.toFixed(Math.ceil(-Math.log10(step))) : String(v))
  const yTicks: number[] = []
  // Decades only once there are more than two (the labels would crowd a short axis).
  if (yLogFrom !== undefined)
    yTicks.push(...logTicks(yLogTop, yLogFrom, yLogTop / yLogFrom > 100 ? [1] : [1, 2, 5]))
  else for (let v = 0; v <= yTop + yStep / 2; v += yStep) yTicks.push(v)
  for (const v of yTicks) {
    const y = sy(v).toFixed(1)
    out.push(
      `<line x1="${px}" x2="${px + pw}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${px - 4}" y="${Number(y) + 4}" text-anchor="end" font-size="10">${yLogFrom !== undefined ? String(v) : label(v, yStep)}</text>`,
    )
  }
  for (const v of logTicks(xTop)) {
    const x = sx(v).toFixed(1)
    out.push(
      `<line x1="${x}" x2="${x}" y1="${py}" y2="${py + PLOT_H + 4}" stroke="#e3e3e3"/>`,
      `<text x="${x}" y="${py + PLOT_H + 15}" text-anchor="middle" font-size="10">${v < 1 ? v.toFixed(1) : String(v)}</text>`,
    )
  }
  out.push(
    `<text x="${px + pw / 2}" y="${py + PLOT_H + 29}" text-anchor="middle" font-size="10">seconds since the contender's process started (log scale)</text>`,
    `<text x="${x0 + 12}" y="${py + PLOT_H / 2}" text-anchor="middle" font-size="10" transform="rotate(-90 ${x0 + 12} ${py + PLOT_H / 2})">${esc(yUnit)}</text>`,
  )
  for (const c of curves) {
    const color = colorOf(contenders, c.id)
    const pts = downsample(c.points)
    const coords = pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${coords.join(' ')}"/>`)
    // Short runs have few samples: mark them so a two-point line still reads as data.
    if (pts.length <= 30)
      for (const xy of coords) {
        const [x, y] = xy.split(',')
        out.push(`<circle cx="${x}" cy="${y}" r="2" fill="${color}"/>`)
      }
  }
  return out
}

/** The two panels and their legend for one workload, starting at `y`; returns the SVG and the height used. */
export function renderSeriesCharts(
  contenders: Contender[],
  row: Cell[],
  y: number,
  width: number,
): { parts: string[]; height: number } {
  const half = (width - 20) / 2
  const ok = row.filter((c) => c.status === 'ok')
  const rss: Curve[] = ok
    .filter((c) => c.rssSeries !== undefined && c.rssSeries.length > 0)
    .map((c) => ({ id: c.contender, points: c.rssSeries!.map(([t, mb]): Point => [t / 1000, mb]) }))
  const loop: Curve[] = ok
    .filter((c) => c.series !== undefined && c.series.length > 0)
    .map((c) => ({ id: c.contender, points: c.series!.map(([t, , p99]): Point => [t / 1000, p99]) }))
  const parts = [
    ...panel(
      10,
      y,
      half,
      'RSS MiB over time (VmRSS, harness, every 100 ms)',
      'RSS MiB',
      rss,
      contenders,
      'no samples',
    ),
    ...panel(
      10 + half + 10,
      y,
      half,
      'event-loop delay p99 ms per 250 ms (Node contenders)',
      'p99 ms (log scale)',
      loop,
      contenders,
      'no Node contender ran',
      // An idle loop reads about 1 ms (the timer's period); blocks reach seconds.
      1,
    ),
  ]
  // Legend: every contender that ran, with "no event loop" for the JVM and Go.
  let lx = 10 + MARGIN.left
  let ly = y + MARGIN.top + PLOT_H + MARGIN.bottom + 14
  for (const c of ok) {
    const con = contenders.find((k) => k.id === c.contender)!
    const text = `${con.label}${con.kind === 'reference' ? ' (RSS only: no event loop)' : ''}`
    const itemW = 24 + text.length * 6.2
    if (lx + itemW > width - 10) {
      lx = 10 + MARGIN.left
      ly += 16
    }
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colorOf(contenders, c.contender)}" stroke-width="3"/>`,
      `<text x="${lx + 20}" y="${ly}">${esc(text)}</text>`,
    )
    lx += itemW + 12
  }
  return { parts, height: ly - y + 12 }
}
