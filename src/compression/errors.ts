import { KafkaError } from '../errors.js'

/** A codec that cannot be loaded on this platform (missing native module or runtime support). */
export class CompressionUnavailableError extends KafkaError {
  constructor(message: string, cause?: unknown) {
    super(message, 'ERR_COMPRESSION_UNAVAILABLE', { cause })
  }
}
