import { AuthenticationError, NetworkError } from '../../errors.js'
import type { ApiDescriptor } from '../../protocol/codec.js'
import { ErrorCode, errorForCode } from '../../protocol/error-codes.js'
import { SaslAuthenticate } from '../../protocol/messages/sasl-authenticate.js'
import { SaslHandshake } from '../../protocol/messages/sasl-handshake.js'
import type { SaslContext, SaslMechanism } from './mechanism.js'

const NOT_SASL_HINT =
  ': the listener on this port is PLAINTEXT or SSL. Set security.protocol to match the listener (PLAINTEXT or SSL), ' +
  "or use the port of the broker's SASL_PLAINTEXT / SASL_SSL listener."

/** What the exchange needs of a connection whose API versions are negotiated. */
export interface SaslTransport {
  /** `host:port`, for messages. */
  readonly address: string
  /** The version to use for an API, as BrokerConnection.versionOf; throws when there is none. */
  versionOf(api: ApiDescriptor<unknown, unknown>): number
  /** Whether the broker speaks the API at all. */
  supports(api: ApiDescriptor<unknown, unknown>): boolean
  /** Sends one Kafka request of the exchange. */
  send<Req, Res>(api: ApiDescriptor<Req, Res>, version: number, body: Req): Promise<Res>
  /** Sends one raw size-prefixed token and resolves with the next raw frame (SaslHandshake v0). */
  sendRaw(token: Buffer): Promise<Buffer>
  /** Whether the connection ended from the broker's side (not closed by a local timeout). */
  readonly closedByBroker: boolean
}

export interface SaslSession {
  /**
   * The broker's session lifetime (KIP-368), in ms from when the exchange ended; 0 when the
   * broker does not expire sessions (or predates SaslAuthenticate v1).
   */
  readonly lifetimeMs: number
}

/**
 * Runs one SASL exchange: SaslHandshake names the mechanism, then each client message goes in a
 * SaslAuthenticate request (v1 handshake) or as a raw frame (v0 handshake, brokers without
 * SaslAuthenticate) until the mechanism has nothing more to say. The same for the first
 * authentication of a connection and for a re-authentication. Rejects with an
 * AuthenticationError when the broker or the mechanism refuses; a connection failure rejects
 * with that failure (a NetworkError, retriable).
 */
export async function runSaslExchange(
  transport: SaslTransport,
  mechanism: SaslMechanism,
  context: SaslContext,
): Promise<SaslSession> {
  const where = `broker ${transport.address}`
  // Kafka advertises SaslHandshake on every listener; a broker that does not is no SASL listener.
  if (!transport.supports(SaslHandshake)) {
    throw new AuthenticationError(
      `${where} does not offer SASL (its ApiVersions has no SaslHandshake)${NOT_SASL_HINT}`,
    )
  }
  const authenticateFramed = transport.supports(SaslAuthenticate)
  const handshakeVersion = Math.min(transport.versionOf(SaslHandshake), authenticateFramed ? 1 : 0)
  const handshake = await transport.send(SaslHandshake, handshakeVersion, { mechanism: mechanism.name })
  if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new AuthenticationError(
      `${where} does not enable SASL mechanism ${mechanism.name} on this listener; it enables ${
        handshake.mechanisms.length === 0 ? 'none' : handshake.mechanisms.join(', ')
      }. Set sasl.mechanism to one of those.`,
      'UNSUPPORTED_SASL_MECHANISM',
      { errorCode: handshake.errorCode },
    )
  }
  if (handshake.errorCode === ErrorCode.ILLEGAL_SASL_STATE && !context.reauthentication) {
    // What Kafka answers a SaslHandshake with on a PLAINTEXT or SSL listener.
    const refusal = brokerRefusal(where, mechanism, handshake.errorCode, null)
    throw new AuthenticationError(`${refusal.message}${NOT_SASL_HINT}`, refusal.code, {
      errorCode: handshake.errorCode,
    })
  }
  if (handshake.errorCode !== ErrorCode.NONE) throw brokerRefusal(where, mechanism, handshake.errorCode, null)

  const step = await mechanismCall(where, mechanism, () => mechanism.start(context))
  let message = await mechanismCall(where, mechanism, () => step(null))
  let lifetimeMs = 0
  while (message !== null) {
    let serverMessage: Buffer
    if (handshakeVersion >= 1) {
      const res = await transport.send(SaslAuthenticate, transport.versionOf(SaslAuthenticate), {
        authBytes: message,
      })
      if (res.errorCode !== ErrorCode.NONE) {
        throw brokerRefusal(where, mechanism, res.errorCode, res.errorMessage)
      }
      lifetimeMs = Number(res.sessionLifetimeMs)
      serverMessage = Buffer.from(res.authBytes.buffer, res.authBytes.byteOffset, res.authBytes.byteLength)
    } else {
      serverMessage = await transport.sendRaw(message).catch((err: unknown) => {
        // Without SaslAuthenticate the broker can't answer a refusal: it closes the connection.
        throw err instanceof NetworkError && transport.closedByBroker
          ? new AuthenticationError(
              `SASL ${mechanism.name} authentication with ${where} failed: the broker closed the connection during ` +
                'SASL authentication, which is how brokers without SaslAuthenticate (before Kafka 1.0) refuse credentials. ' +
                'Check the username and password.',
              undefined,
              { cause: err },
            )
          : err
      })
    }
    message = await mechanismCall(where, mechanism, () => step(serverMessage))
  }
  return { lifetimeMs }
}

async function mechanismCall<T>(
  where: string,
  mechanism: SaslMechanism,
  call: () => T | Promise<T>,
): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof AuthenticationError) throw err
    const why = err instanceof Error ? err.message : String(err)
    throw new AuthenticationError(
      `SASL ${mechanism.name} authentication with ${where} failed: ${why}`,
      undefined,
      {
        cause: err,
      },
    )
  }
}

function brokerRefusal(
  where: string,
  mechanism: SaslMechanism,
  errorCode: number,
  errorMessage: string | null,
): AuthenticationError {
  const info = errorForCode(errorCode)
  const detail = errorMessage === null || errorMessage === '' ? info.message : errorMessage
  return new AuthenticationError(
    `SASL ${mechanism.name} authentication with ${where} failed: ${info.name}: ${detail}`,
    info.name,
    { errorCode },
  )
}
