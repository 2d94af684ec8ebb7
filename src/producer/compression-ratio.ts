import { BATCH_HEADER_SIZE } from '../records/batch-header.js'

/**
 * The Java producer's estimate of how well a topic's records compress (its
 * CompressionRatioEstimator), which decides how many records a compressed batch takes: a batch
 * is full when its records' uncompressed size times the estimate (times a 5% margin) reaches
 * `batch.size`. The estimate starts at 1 (no compression), falls by at most 0.005 per batch that
 * compressed better, rises by at least 0.05 per batch that compressed worse, and goes back to at
 * least 1 when a batch had to be split. Java's arithmetic is float32; `Math.fround` keeps ours the
 * same, so the same sequence of batches gives the same estimates and the same batch boundaries.
 *
 * One estimator per producer, for its codec (Java keeps one table per JVM, by topic and codec).
 */
export const COMPRESSION_RATIO_IMPROVING_STEP = Math.fround(0.005)
export const COMPRESSION_RATIO_DETERIORATE_STEP = Math.fround(0.05)
/** MemoryRecordsBuilder's COMPRESSION_RATE_ESTIMATION_FACTOR. */
export const COMPRESSION_RATE_ESTIMATION_FACTOR = Math.fround(1.05)
/** Every codec's initial rate in Java's CompressionType. */
export const INITIAL_COMPRESSION_RATIO = 1

export class CompressionRatioEstimator {
  readonly #byTopic = new Map<string, number>()

  /** The current estimate for a topic. */
  estimation(topic: string): number {
    return this.#byTopic.get(topic) ?? INITIAL_COMPRESSION_RATIO
  }

  /** A batch of `topic` compressed with `observed` (compressed over uncompressed records bytes). */
  update(topic: string, observed: number): number {
    const current = this.estimation(topic)
    const seen = Math.fround(observed)
    let next = current
    if (seen > current) next = Math.max(Math.fround(current + COMPRESSION_RATIO_DETERIORATE_STEP), seen)
    else if (seen < current) next = Math.max(Math.fround(current - COMPRESSION_RATIO_IMPROVING_STEP), seen)
    this.#byTopic.set(topic, next)
    return next
  }

  /** Sets the estimate (after a split: at least 1, as Java's RecordAccumulator.splitAndReenqueue). */
  set(topic: string, ratio: number): void {
    this.#byTopic.set(topic, Math.fround(ratio))
  }
}

/** Java's observed ratio of a batch: float32 division of its records' compressed by uncompressed bytes. */
export function observedRatio(compressedRecordsBytes: number, uncompressedRecordsBytes: number): number {
  return Math.fround(Math.fround(compressedRecordsBytes) / Math.fround(uncompressedRecordsBytes))
}

/**
 * MemoryRecordsBuilder.estimatedBytesWritten with compression: the header plus the records'
 * uncompressed size times the estimate and the 5% margin, truncated as Java's (int) cast does.
 */
export function estimatedBatchBytes(uncompressedRecordsBytes: number, ratio: number): number {
  const scaled = Math.fround(
    Math.fround(Math.fround(uncompressedRecordsBytes) * ratio) * COMPRESSION_RATE_ESTIMATION_FACTOR,
  )
  return BATCH_HEADER_SIZE + Math.trunc(scaled)
}
