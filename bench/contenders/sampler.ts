/**
 * What a Node runner measures about itself during the measured part: peak RSS (every 50 ms),
 * the event loop's delay over the whole part (perf_hooks.monitorEventLoopDelay, 1 ms
 * resolution) and, every SERIES_MS, a point of RSS and that interval's delay p99.
 *
 * A delay monitor records nothing until its timer has fired once after enable() or reset(), so
 * a block right then would be missed: the whole-part monitor is started one timer tick before
 * the measured part, and the per-interval figure comes from a 1 ms JavaScript timer that
 * records its own lateness into a histogram reset at every point, keeping its previous tick
 * across the reset.
 */
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks'
import type { LoopDelay, SeriesPoint } from './common.js'

export const SERIES_MS = 250
const RSS_MS = 50
const TICK_MS = 1
const MIB = 1048576

export interface Sampler {
  stop(): { peakRss: number; loopDelay: LoopDelay; series: SeriesPoint[] }
}

const ms = (ns: number) => Number((ns / 1e6).toFixed(2))
const mib = (bytes: number) => Number((bytes / MIB).toFixed(1))

/** Starts sampling; resolves once the delay monitor has fired, right before the measured part. */
export async function startSampler(): Promise<Sampler> {
  let peak = process.memoryUsage.rss()
  const whole = monitorEventLoopDelay({ resolution: TICK_MS })
  whole.enable()
  await new Promise((r) => setTimeout(r, 3 * TICK_MS))
  const interval = createHistogram()
  let lastTick = performance.now()
  const tick = setInterval(() => {
    const now = performance.now()
    interval.record(Math.max(1, Math.round((now - lastTick) * 1e6)))
    lastTick = now
  }, TICK_MS)
  const series: SeriesPoint[] = []
  const point = () => {
    const rss = process.memoryUsage.rss()
    if (rss > peak) peak = rss
    series.push([
      Math.round(performance.now()),
      mib(rss),
      interval.count > 0 ? ms(interval.percentile(99)) : 0,
    ])
    interval.reset()
  }
  const rssTimer = setInterval(() => {
    const rss = process.memoryUsage.rss()
    if (rss > peak) peak = rss
  }, RSS_MS)
  const seriesTimer = setInterval(point, SERIES_MS)
  return {
    stop() {
      clearInterval(rssTimer)
      clearInterval(seriesTimer)
      clearInterval(tick)
      whole.disable()
      point()
      const loopDelay =
        whole.count > 0
          ? { p50: ms(whole.percentile(50)), p99: ms(whole.percentile(99)), max: ms(whole.max) }
          : { p50: 0, p99: 0, max: 0 }
      return { peakRss: peak, loopDelay, series }
    },
  }
}
