/**
 * kafkajs's CompressionTypes and CompressionCodecs. Sluice compresses with every codec itself
 * (gzip, snappy, lz4, zstd), so nothing needs registering: a codec assigned to CompressionCodecs
 * (as kafkajs users do for snappy, lz4 and zstd) is accepted and not used.
 */
import { KafkaJSNonRetriableError } from './errors.js'

export const CompressionTypes = {
  None: 0,
  GZIP: 1,
  Snappy: 2,
  LZ4: 3,
  ZSTD: 4,
} as const

export type CompressionType = (typeof CompressionTypes)[keyof typeof CompressionTypes]

/** Sluice's compression.type for each kafkajs type. */
const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

export type CompressionName = (typeof NAMES)[number]

/** Codec factories by type, as kafkajs keeps them; Sluice's own codecs are used whatever is here. */
export const CompressionCodecs: Record<number, () => unknown> = {
  [CompressionTypes.GZIP]: () => ({ builtIn: 'gzip' }),
  [CompressionTypes.Snappy]: () => ({ builtIn: 'snappy' }),
  [CompressionTypes.LZ4]: () => ({ builtIn: 'lz4' }),
  [CompressionTypes.ZSTD]: () => ({ builtIn: 'zstd' }),
}

export function compressionName(type: number | undefined): CompressionName {
  if (type === undefined || type === null) return 'none'
  const name = NAMES[type]
  if (name === undefined) {
    throw new KafkaJSNonRetriableError(`Unsupported compression codec ${type}: use one of CompressionTypes`)
  }
  return name
}
