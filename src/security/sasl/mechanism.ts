/**
 * The client side of a SASL mechanism. Sluice runs the exchange (SaslHandshake, then one
 * SaslAuthenticate per token); a mechanism only turns server messages into client messages.
 * PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER are built in; a user adds another (AWS_MSK_IAM, a
 * vendor's) by passing an object of this shape as `sasl.mechanism`.
 */

/** The broker an exchange is with. */
export interface SaslContext {
  readonly host: string
  readonly port: number
  /** True when the exchange re-authenticates an open connection (KIP-368). */
  readonly reauthentication: boolean
}

/**
 * One exchange. Called first with `null`: returns the client's first message. Then called with
 * each server message: returns the next client message, or `null` when the client has nothing
 * more to say (the exchange then succeeds, having checked the server's last message if the
 * mechanism verifies the server, as SCRAM does). Throw to fail the exchange; the error reaches
 * the caller as an AuthenticationError's cause, so keep secrets out of its message.
 */
export type SaslStep = (serverMessage: Buffer | null) => Buffer | null | Promise<Buffer | null>

export interface SaslMechanism {
  /** The name sent in SaslHandshake, e.g. `PLAIN` or `AWS_MSK_IAM`. */
  readonly name: string
  /** Starts one exchange: once per connection and once per re-authentication. */
  start(context: SaslContext): SaslStep | Promise<SaslStep>
  /** Releases what the mechanism holds (a token refresh timer, say); called by producer.close(). */
  close?(): void | Promise<void>
}

export function isSaslMechanism(value: unknown): value is SaslMechanism {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SaslMechanism).name === 'string' &&
    typeof (value as SaslMechanism).start === 'function'
  )
}
