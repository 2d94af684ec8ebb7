/**
 * What a Node runner measures about itself during the measured part: peak RSS (every 50 ms),
 * the event loop's delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution, enabled for the
 * measured part only) and, every SERIES_MS, a point of RSS and that interval's delay p99.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { LoopDelay, SeriesPoint } from './common.js'

export const SERIES_MS = 250
const RSS_MS = 50
const MIB = 1048576

export interface Sampler {
  stop(): { peakRss: number; loopDelay: LoopDelay; series: SeriesPoint[] }
}

const ms = (ns: number) => Number((ns / 1e6).toFixed(2))
const mib = (bytes: number) => Number((bytes / MIB).toFixed(1))

export function startSampler(): Sampler {
  let peak = process.memoryUsage.rss()
  // Two monitors: one for the whole measured part, one read and reset every interval (an
  // IntervalHistogram cannot be merged into another histogram).
  const whole = monitorEventLoopDelay({ resolution: 1 })
  const interval = monitorEventLoopDelay({ resolution: 1 })
  const series: SeriesPoint[] = []
  const point = () => {
    const rss = process.memoryUsage.rss()
    if (rss > peak) peak = rss
    // An interval without a sample (the loop blocked for all of it) reads 0 here; the delay shows in the next one.
    const p99 = interval.count > 0 ? ms(interval.percentile(99)) : 0
    series.push([Math.round(performance.now()), mib(rss), p99])
    interval.reset()
  }
  const rssTimer = setInterval(() => {
    const rss = process.memoryUsage.rss()
    if (rss > peak) peak = rss
  }, RSS_MS)
  const seriesTimer = setInterval(point, SERIES_MS)
  whole.enable()
  interval.enable()
  return {
    stop() {
      clearInterval(rssTimer)
      clearInterval(seriesTimer)
      whole.disable()
      interval.disable()
      point()
      const loopDelay =
        whole.count > 0
          ? { p50: ms(whole.percentile(50)), p99: ms(whole.percentile(99)), max: ms(whole.max) }
          : { p50: 0, p99: 0, max: 0 }
      return { peakRss: peak, loopDelay, series }
    },
  }
}
