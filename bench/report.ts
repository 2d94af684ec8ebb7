/** Aggregation and rendering (Markdown, SVG) of the side-by-side benchmark's runs. */
import type { LoopDelay, RunnerResult, SeriesPoint } from './contenders/common.js'
import { renderSeriesCharts } from './report-series.js'
import type { Contender, Metric, RunRecord, Workload } from './run.js'

export interface Cell {
  workload: string
  contender: string
  status: 'ok' | 'unavailable' | 'error'
  reason?: string
  okRuns: number
  /** The workload's metric: records/s (throughput), p99 ms (latency) or peak RSS MiB (rss). */
  value?: number
  /** Smallest and largest metric value over the repetitions. */
  spread?: [number, number]
  recordsPerSec?: number
  mbPerSec?: number
  latencyMs?: RunnerResult['latencyMs']
  peakRssMb?: number
  /** Node contenders: event-loop delay over the measured part (monitorEventLoopDelay). */
  eventLoopDelayMs?: LoopDelay
  /** The median run's VmRSS over time, sampled by the harness: [ms since spawn, MiB]. */
  rssSeries?: [number, number][]
  /** Node contenders: the median run's own samples (ms since process start, RSS MiB, event-loop p99 ms). */
  series?: SeriesPoint[]
  /** Records found in the median run's topic afterwards (GetOffsetShell), when counted. */
  delivered?: number
  /** > 1: this contender is that many times better than the best Node peer on the metric. */
  vsBestPeer?: number
  /** > 1: this contender is that many times better than Java's ProducerPerformance. */
  vsJava?: number
  /** > 1: this contender is that many times better than its `@base` counterpart (--baseline). */
  vsBase?: number
  /** The same ratio within each repetition where both ran (they run back to back). */
  vsBasePerRep?: number[]
  /** Current vs baseline on latency (p99) and peak RSS too, whatever the workload's metric; > 1 is better. */
  vsBaseP99?: number
  vsBaseRss?: number
  /** Baseline over current CPU time per record within each repetition; > 1 is cheaper. */
  vsBaseCpuPerRep?: number[]
  settings?: Record<string, unknown>
}

const higherIsBetter = (m: Metric) => m === 'throughput'

function metricOf(m: Metric, r: RunRecord): number | undefined {
  if (m === 'throughput') return r.result.recordsPerSec
  if (m === 'latency') return r.result.latencyMs?.p99
  return r.peakRssMb ?? r.result.selfPeakRssMb
}

export function summarize(workloads: Workload[], contenders: Contender[], runs: RunRecord[]): Cell[] {
  const cells: Cell[] = []
  for (const w of workloads) {
    const row: Cell[] = []
    for (const c of contenders) {
      const mine = runs.filter((r) => r.workload === w.id && r.contender === c.id)
      const ok = mine.filter((r) => r.result.ok && metricOf(w.metric, r) !== undefined)
      if (ok.length === 0) {
        const un = mine.find((r) => r.result.unavailable !== undefined)
        const err = mine.find((r) => r.result.error !== undefined)
        row.push({
          workload: w.id,
          contender: c.id,
          status: un !== undefined ? 'unavailable' : 'error',
          reason: (un?.result.unavailable ?? err?.result.error ?? 'not run').split('\n')[0]!.slice(0, 240),
          okRuns: 0,
        })
        continue
      }
      const sorted = [...ok].sort((a, b) => metricOf(w.metric, a)! - metricOf(w.metric, b)!)
      const median = sorted[Math.floor(sorted.length / 2)]!
      const values = sorted.map((r) => metricOf(w.metric, r)!)
      row.push({
        workload: w.id,
        contender: c.id,
        status: 'ok',
        okRuns: ok.length,
        value: metricOf(w.metric, median)!,
        spread: [values[0]!, values[values.length - 1]!],
        ...(median.result.recordsPerSec !== undefined ? { recordsPerSec: median.result.recordsPerSec } : {}),
        ...(median.result.mbPerSec !== undefined ? { mbPerSec: median.result.mbPerSec } : {}),
        ...(median.result.latencyMs !== undefined ? { latencyMs: median.result.latencyMs } : {}),
        ...(median.peakRssMb !== null ? { peakRssMb: Number(median.peakRssMb.toFixed(1)) } : {}),
        ...(median.result.eventLoopDelayMs !== undefined
          ? { eventLoopDelayMs: median.result.eventLoopDelayMs }
          : {}),
        ...(median.rssSeries !== undefined ? { rssSeries: median.rssSeries } : {}),
        ...(median.result.series !== undefined ? { series: median.result.series } : {}),
        ...(median.delivered !== undefined ? { delivered: median.delivered } : {}),
        ...(median.result.settings !== undefined ? { settings: median.result.settings } : {}),
      })
    }
    const better = (a: number, b: number) => (higherIsBetter(w.metric) ? a > b : a < b)
    const kindOf = (id: string) => contenders.find((c) => c.id === id)?.kind
    let bestPeer: number | undefined
    for (const cell of row) {
      if (cell.status !== 'ok' || kindOf(cell.contender) !== 'node-peer') continue
      if (bestPeer === undefined || better(cell.value!, bestPeer)) bestPeer = cell.value
    }
    const java = row.find((c) => c.contender === 'java' && c.status === 'ok')?.value
    const ratio = (v: number, ref: number) =>
      Number((higherIsBetter(w.metric) ? v / ref : ref / Math.max(v, 1e-9)).toFixed(2))
    for (const cell of row) {
      if (cell.status !== 'ok') continue
      if (bestPeer !== undefined) cell.vsBestPeer = ratio(cell.value!, bestPeer)
      if (java !== undefined) cell.vsJava = ratio(cell.value!, java)
    }
    // Current vs baseline (--baseline): the medians, and the pairs that ran in the same repetition.
    const lower = (v: number | undefined, ref: number | undefined) =>
      v === undefined || ref === undefined ? undefined : Number((ref / Math.max(v, 1e-9)).toFixed(2))
    for (const cell of row) {
      const b = contenders.find((c) => c.baseOf === cell.contender)
      const baseCell = row.find((c) => c.contender === b?.id)
      if (b === undefined || cell.status !== 'ok' || baseCell?.status !== 'ok') continue
      cell.vsBase = ratio(cell.value!, baseCell.value!)
      const p99 = lower(cell.latencyMs?.p99, baseCell.latencyMs?.p99)
      if (p99 !== undefined) cell.vsBaseP99 = p99
      const rss = lower(cell.peakRssMb, baseCell.peakRssMb)
      if (rss !== undefined) cell.vsBaseRss = rss
      const okRun = (id: string, rep: number) =>
        runs.find(
          (r) =>
            r.workload === w.id &&
            r.contender === id &&
            r.rep === rep &&
            r.result.ok &&
            metricOf(w.metric, r) !== undefined,
        )
      const reps = [...new Set(runs.map((r) => r.rep))].sort((a, b) => a - b)
      const pairs: number[] = []
      for (const rep of reps) {
        const cur = okRun(cell.contender, rep)
        const old = okRun(b.id, rep)
        if (cur !== undefined && old !== undefined)
          pairs.push(ratio(metricOf(w.metric, cur)!, metricOf(w.metric, old)!))
      }
      cell.vsBasePerRep = pairs
      const cpuPairs: number[] = []
      for (const rep of reps) {
        const cur = okRun(cell.contender, rep)?.result.cpuUsPerRecord
        const old = okRun(b.id, rep)?.result.cpuUsPerRecord
        if (cur !== undefined && old !== undefined && cur > 0) cpuPairs.push(Number((old / cur).toFixed(3)))
      }
      if (cpuPairs.length > 0) cell.vsBaseCpuPerRep = cpuPairs
    }
    cells.push(...row)
  }
  return cells
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? ''
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const x = (n: number | undefined) => (n === undefined ? '' : `${n.toFixed(2)}x`)

export function renderMarkdown(
  env: Record<string, unknown>,
  workloads: Workload[],
  contenders: Contender[],
  cells: Cell[],
): string {
  const out: string[] = []
  out.push(`# Sluice side-by-side producer benchmark (${env.mode})`, '')
  out.push(
    `${env.date} · ${env.cores} cores (${env.cpu}), ${env.memoryGiB} GiB${Array.isArray(env.loadAverage) ? ` (1-min load average ${env.loadAverage.join(' at start, ')} at end)` : ''} · Node ${env.node} · ${env.java} · Apache Kafka ${env.kafka} (${env.broker}) · Sluice ${env.sluice}`,
    '',
    `Repetitions: ${env.reps}, contenders alternating round-robin within each; the median repetition is shown. ` +
      `Common settings where a client has the knob: linger.ms=${env.lingerMs}, batch.size=${env.batchSize}, buffer.memory=${env.bufferMemory} (32 MiB). ` +
      "Latency is send() to acknowledgement, per record. Peak RSS is the contender process's VmHWM (kernel's high-water mark; the JVM runs with -Xmx512M). " +
      '"vs best peer" / "vs Java": how many times better than the best other Node client / Java\'s KafkaProducer (ProducerPerformance; bench/java/WebServiceProducer for w6) on the workload\'s metric ' +
      '(records/s for throughput workloads, p99 for the latency workload, peak RSS for the memory workload); > 1 is better. ' +
      '"delivered": records in the run\'s fresh topic afterwards, counted by Kafka\'s GetOffsetShell.',
    '',
    '"event-loop p99 ms" / "event-loop max ms": how late the Node contender\'s event loop ran during the measured part ' +
      '(perf_hooks.monitorEventLoopDelay, 1 ms resolution, so an idle loop reads about 1 ms): what its producer costs the rest of an application sharing the thread. ' +
      'n/a for Java and franz-go: they have no single event loop; their senders run on threads and goroutines the runtime schedules, and the sending code blocks on purpose (ProduceSync, send().get()).',
    '',
  )
  const label = (id: string) => contenders.find((c) => c.id === id)?.label ?? id
  const kindOf = (id: string) => contenders.find((c) => c.id === id)?.kind
  const ab = contenders.some((c) => c.baseOf !== undefined)
  if (ab) {
    out.push(
      `Baseline (\`--baseline\`): Sluice ${env.baseline}. The \`@base\` rows run the same runner code with Sluice loaded from there, ` +
        'next to its current counterpart in every repetition (baseline second on even repetitions, first on odd ones). "vs base": current over baseline on the workload\'s metric, > 1 is better.',
      '',
    )
  }
  for (const w of workloads) {
    const metricName =
      w.metric === 'throughput' ? 'records/s' : w.metric === 'latency' ? 'p99 latency' : 'peak RSS'
    out.push(`## ${w.id}: ${w.title} (${fmt(w.numRecords)} records; compared on ${metricName})`, '')
    out.push(
      `| contender | records/s | MB/s | avg ms | p50 ms | p99 ms | p99.9 ms | peak RSS MiB | event-loop p99 ms | event-loop max ms | vs best peer | vs Java |${ab ? ' vs base |' : ''} delivered |`,
    )
    out.push(
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${ab ? ' ---: |' : ''} ---: |`,
    )
    for (const c of cells.filter((c) => c.workload === w.id)) {
      if (c.status !== 'ok') {
        out.push(
          `| ${label(c.contender)} | ${c.status}: ${c.reason?.replace(/\|/g, '/')} | | | | | | | | | | |${ab ? ' |' : ''} |`,
        )
        continue
      }
      const l = c.latencyMs
      const loop = c.eventLoopDelayMs
      const na = kindOf(c.contender) === 'reference' ? 'n/a' : ''
      out.push(
        `| ${label(c.contender)} | ${fmt(c.recordsPerSec)} | ${fmt(c.mbPerSec, 1)} | ${fmt(l?.avg, 1)} | ${fmt(l?.p50, 1)} | ${fmt(l?.p99, 1)} | ${fmt(l?.p999, 1)} | ${fmt(c.peakRssMb)} | ${fmt(loop?.p99, 1) || na} | ${fmt(loop?.max, 1) || na} | ${x(c.vsBestPeer)} | ${x(c.vsJava)} |${ab ? ` ${x(c.vsBase)} |` : ''} ${delivered(c.delivered, w.numRecords)} |`,
      )
    }
    out.push('')
  }
  if (ab) out.push(...renderAb(workloads, contenders, cells))
  out.push('## Contender settings', '')
  out.push(
    'Settings as used on the 8-partition 100 B workload (acks, idempotence and compression follow each workload).',
    '',
  )
  for (const c of contenders) {
    const cell =
      cells.find((x) => x.contender === c.id && x.workload === 'w1-100B-p8' && x.settings !== undefined) ??
      cells.find((x) => x.contender === c.id && x.settings !== undefined)
    const reason = cells.find((x) => x.contender === c.id && x.status === 'unavailable')?.reason
    out.push(
      `- **${c.label}**: ${cell?.settings !== undefined ? `\`${JSON.stringify(cell.settings)}\`` : `unavailable: ${reason ?? 'no successful run'}`}`,
    )
  }
  const web = workloads.filter((w) => w.tasks > 0)
  for (const w of web) {
    out.push('', `${w.id} (${w.tasks} tasks, each awaiting its own sends one at a time):`, '')
    for (const c of contenders) {
      const cell = cells.find((x) => x.contender === c.id && x.workload === w.id)
      const api = cell?.settings?.api
      out.push(
        `- **${c.label}**: ${typeof api === 'string' ? api : `${cell?.status ?? 'not run'}${cell?.reason !== undefined ? `: ${cell.reason}` : ''}`}`,
      )
    }
  }
  out.push(
    '',
    'Java runs ProducerPerformance for w1-w5 and bench/java/WebServiceProducer.java (the same KafkaProducer and producer properties, compiled against the same jars) for w6.',
    '',
    'kafkajs and @platformatic/kafka have no per-record send, linger or batch.size: they get concurrent ' +
      "send() calls of 1000 records each (one record per call at a fixed rate), bounded to the same number of records in flight as Sluice's promise window.",
    '',
  )
  return `${out.join('\n')}\n`
}

/** "Current vs baseline" lines: one per workload and send path. */
function renderAb(workloads: Workload[], contenders: Contender[], cells: Cell[]): string[] {
  const out: string[] = ['## Current vs baseline', '']
  out.push(
    'Ratios are current over baseline, > 1 is better (for p99 and peak RSS: baseline over current). ' +
      '"per rep": the ratio within each repetition, where the two ran back to back (their median is the paired estimate); their spread is the noise to beat. ' +
      '"CPU per record": baseline over current CPU time (user + system) of the runner per record, per rep; > 1 is cheaper.',
    '',
  )
  for (const w of workloads) {
    for (const b of contenders.filter((c) => c.baseOf !== undefined)) {
      const cur = cells.find((c) => c.workload === w.id && c.contender === b.baseOf)
      const old = cells.find((c) => c.workload === w.id && c.contender === b.id)
      const name = contenders.find((c) => c.id === b.baseOf)?.label ?? b.baseOf!
      if (cur === undefined) continue
      if (cur.vsBase === undefined) {
        const why = cur.status !== 'ok' ? `current ${cur.status}` : `baseline ${old?.status ?? 'not run'}`
        out.push(`- ${w.id}, ${name}: no comparison (${why})`)
        continue
      }
      const unit =
        w.metric === 'throughput' ? 'records/s' : w.metric === 'latency' ? 'ms p99' : 'MiB peak RSS'
      const v = (n: number | undefined) => (w.metric === 'throughput' ? fmt(n) : fmt(n, 1))
      const perRep = perRepText(cur.vsBasePerRep ?? [])
      const cpu = perRepText(cur.vsBaseCpuPerRep ?? [])
      const extra = [
        cpu !== '' ? `CPU per record ${cpu}` : '',
        w.metric !== 'latency' && cur.vsBaseP99 !== undefined ? `p99 ${x(cur.vsBaseP99)}` : '',
        w.metric !== 'rss' && cur.vsBaseRss !== undefined ? `peak RSS ${x(cur.vsBaseRss)}` : '',
      ].filter((s) => s !== '')
      out.push(
        `- ${w.id}, ${name}: ${v(cur.value)} vs ${v(old?.value)} ${unit}: **${x(cur.vsBase)}**` +
          (perRep !== '' ? ` (per rep: ${perRep})` : '') +
          (extra.length > 0 ? `; ${extra.join(', ')}` : ''),
      )
    }
  }
  out.push('')
  return out
}

/** The per-repetition ratios and their median (the geometric mean of the middle two when even). */
function perRepText(pairs: readonly number[]): string {
  const sorted = [...pairs].sort((a, b) => a - b)
  const h = Math.floor(sorted.length / 2)
  const mid = sorted.length % 2 === 1 ? sorted[h] : Math.sqrt(sorted[h - 1]! * sorted[h]!)
  return pairs.length > 1
    ? `${pairs.map((r) => x(r)).join(', ')}; median ${x(mid)}`
    : pairs.map((r) => x(r)).join('')
}

const delivered = (n: number | undefined, expected: number) =>
  n === undefined ? 'n/a' : n === expected ? 'all' : `${fmt(n)} of ${fmt(expected)}`

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function renderSvg(
  env: Record<string, unknown>,
  workloads: Workload[],
  contenders: Contender[],
  cells: Cell[],
): string {
  const width = 960
  const labelW = 190
  const barMax = width - labelW - 170
  const barH = 16
  const gap = 4
  const colors: Record<Contender['kind'], string> = {
    sluice: '#1f77b4',
    'node-peer': '#ff7f0e',
    reference: '#7f7f7f',
  }
  const parts: string[] = []
  let y = 40
  for (const w of workloads) {
    const row = cells.filter((c) => c.workload === w.id)
    const unit =
      w.metric === 'throughput'
        ? 'records/s (longer is better)'
        : w.metric === 'latency'
          ? 'p99 ms (shorter is better)'
          : 'peak RSS MiB (shorter is better)'
    parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(`${w.id}: ${w.title}`)} — ${esc(unit)}</text>`)
    y += 8
    const max = Math.max(1e-9, ...row.filter((c) => c.status === 'ok').map((c) => c.value!))
    for (const c of row) {
      const con = contenders.find((k) => k.id === c.contender)!
      const color = con.baseOf !== undefined ? '#9ecae1' : colors[con.kind]
      y += barH + gap
      parts.push(`<text x="${labelW - 6}" y="${y - 4}" text-anchor="end">${esc(con.label)}</text>`)
      if (c.status !== 'ok') {
        parts.push(
          `<text x="${labelW}" y="${y - 4}" fill="#999">${esc(`${c.status}: ${(c.reason ?? '').slice(0, 90)}`)}</text>`,
        )
        continue
      }
      const len = Math.max(1, (c.value! / max) * barMax)
      const value = w.metric === 'throughput' ? fmt(c.value) : fmt(c.value, 1)
      const ratio =
        c.vsBase !== undefined
          ? ` (${c.vsBase.toFixed(2)}x base)`
          : c.vsJava !== undefined
            ? ` (${c.vsJava.toFixed(2)}x Java)`
            : ''
      parts.push(
        `<rect x="${labelW}" y="${y - barH}" width="${len.toFixed(1)}" height="${barH}" fill="${color}"/>`,
        `<text x="${labelW + len + 4}" y="${y - 4}">${esc(value + ratio)}</text>`,
      )
    }
    y += 14
    const series = renderSeriesCharts(contenders, row, y, width)
    parts.push(...series.parts)
    y += series.height + 24
  }
  const load = Array.isArray(env.loadAverage) ? `, load ${env.loadAverage.join(' → ')}` : ''
  const title = `Sluice side-by-side (${env.mode}): ${env.cores} cores${load}, Node ${env.node}, Kafka ${env.kafka}, ${env.date}`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`
}

/**
 * The results file: the time series stay in `runs` only (the summary's cells name their median
 * run), and arrays of numbers (the series' points) take one line each, not one line per number.
 */
export function resultsJson(results: { summary: Cell[] } & Record<string, unknown>): string {
  const summary = results.summary.map(({ rssSeries: _rss, series: _series, ...cell }) => cell)
  return `${JSON.stringify({ ...results, summary }, null, 2).replace(
    /\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g,
    (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
  )}\n`
}
