import { KafkaError, ProtocolError } from '../errors.js'

/** A codec that cannot be loaded on this platform (missing native module or runtime support). */
export class CompressionUnavailableError extends KafkaError {
  constructor(message: string, cause?: unknown) {
    super(message, 'ERR_COMPRESSION_UNAVAILABLE', { cause })
  }
}

/** Compressed bytes that are malformed or truncated; Kafka calls this a corrupt message. */
export class CorruptCompressedDataError extends ProtocolError {
  constructor(codec: string, detail: string, cause?: unknown) {
    super(`corrupt ${codec} data: ${detail}`, cause === undefined ? {} : { cause })
  }
}
