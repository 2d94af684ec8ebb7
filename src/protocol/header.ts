/**
 * Request and response headers.
 *
 * Request header: apiKey int16, apiVersion int16, correlationId int32, clientId nullable string;
 * v2 adds a tagged-field section. The client id stays a classic int16-length string even in v2,
 * so that a broker can read it before knowing whether the API version is flexible.
 * Response header: correlationId int32; v1 adds a tagged-field section.
 * Frames carry a 4-byte big-endian size prefix, written by the codec.
 */
import { ProtocolError } from '../errors.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

export function writeRequestHeader(
  w: Writer,
  headerVersion: 1 | 2,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
): void {
  w.int16(apiKey)
  w.int16(apiVersion)
  w.int32(correlationId)
  w.string(clientId)
  if (headerVersion >= 2) w.emptyTags()
}

/**
 * Reads a request header; `headerVersionOf` picks the header version from the key and version
 * just read (they come first in every header version).
 */
export function readRequestHeader(
  r: Reader,
  headerVersionOf: (apiKey: number, apiVersion: number) => number,
): RequestHeader {
  const apiKey = r.int16()
  const apiVersion = r.int16()
  const correlationId = r.int32()
  const headerVersion = headerVersionOf(apiKey, apiVersion)
  if (headerVersion < 1) throw new ProtocolError(`request header v${headerVersion} is not supported`)
  const clientId = r.string()
  if (headerVersion >= 2) r.taggedFields()
  return { apiKey, apiVersion, correlationId, clientId }
}

/** The fixed start of any request frame body: enough to pick the API to decode it with. */
export function peekRequestHeader(frame: Buffer): {
  apiKey: number
  apiVersion: number
  correlationId: number
} {
  if (frame.length < 8)
    throw new ProtocolError(`request frame of ${frame.length} bytes is too short for a header`)
  return {
    apiKey: frame.readInt16BE(0),
    apiVersion: frame.readInt16BE(2),
    correlationId: frame.readInt32BE(4),
  }
}

export function writeResponseHeader(w: Writer, headerVersion: 0 | 1, correlationId: number): void {
  w.int32(correlationId)
  if (headerVersion >= 1) w.emptyTags()
}

/** Skips the tagged fields of a response header v1 (none are defined that a client needs). */
export function readResponseHeaderTags(r: Reader): void {
  r.taggedFields()
}
