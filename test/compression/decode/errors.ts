import { ProtocolError } from '../../../src/errors.js'

/** Compressed bytes that are malformed or truncated; Kafka calls this a corrupt message. */
export class CorruptCompressedDataError extends ProtocolError {
  constructor(codec: string, detail: string, cause?: unknown) {
    super(`corrupt ${codec} data: ${detail}`, cause === undefined ? {} : { cause })
  }
}
