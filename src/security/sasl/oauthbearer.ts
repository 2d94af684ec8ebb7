/**
 * SASL/OAUTHBEARER (RFC 7628, KIP-255; extensions KIP-342), as Java's OAuthBearerSaslClient:
 *
 *   client: n,,\x01auth=Bearer <token>[\x01<name>=<value>...]\x01\x01
 *   server: empty (success), or an error status as JSON ({"status":"invalid_token",...})
 *   client, after an error: \x01, and the exchange fails
 *
 * Every exchange (a new connection, or a re-authentication, KIP-368) asks the token provider for
 * its current unexpired token, so a refreshed token is used from the next exchange on.
 */
import { AuthenticationError } from '../../errors.js'
import type { OAuthToken } from '../oauth/token.js'
import type { SaslContext, SaslMechanism, SaslStep } from './mechanism.js'

/** Where the mechanism gets its token from (RefreshingToken). */
export interface OAuthTokenProvider {
  current(): Promise<OAuthToken>
  close?(): void
}

const SEPARATOR = '\x01'
const MAX_STATUS_CHARS = 1000

/** The client's first message for `token`, byte for byte as Java's OAuthBearerClientInitialResponse. */
export function initialResponse(token: OAuthToken): Buffer {
  let extensions = ''
  for (const [name, value] of token.extensions) extensions += `${SEPARATOR}${name}=${value}`
  return Buffer.concat([
    Buffer.from(`n,,${SEPARATOR}auth=Bearer `, 'utf8'),
    token.value.revealBytes(),
    Buffer.from(`${extensions}${SEPARATOR}${SEPARATOR}`, 'utf8'),
  ])
}

export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER'
  readonly #tokens: OAuthTokenProvider

  constructor(tokens: OAuthTokenProvider) {
    this.#tokens = tokens
  }

  async start(context: SaslContext): Promise<SaslStep> {
    const token = await this.#tokens.current()
    let state: 'initial' | 'sent' | 'refused' | 'done' = 'initial'
    let status = ''
    return (serverMessage) => {
      switch (state) {
        case 'initial':
          if (serverMessage !== null && serverMessage.length > 0)
            throw new Error('the broker spoke first, which OAUTHBEARER does not allow')
          state = 'sent'
          return initialResponse(token)
        case 'sent':
          if (serverMessage === null || serverMessage.length === 0) {
            state = 'done'
            return null
          }
          // The broker's error status (RFC 7628 3.2.2): answer \x01 so it ends the exchange.
          state = 'refused'
          status = serverMessage.toString('utf8')
          if (status.length > MAX_STATUS_CHARS) status = `${status.slice(0, MAX_STATUS_CHARS)}...`
          return Buffer.from(SEPARATOR, 'utf8')
        case 'refused':
          throw new AuthenticationError(
            `SASL OAUTHBEARER authentication with broker ${context.host}:${context.port} failed: the broker refused ` +
              `the token${token.principal === null ? '' : ` of ${token.principal}`}: ${status}`,
            'SASL_AUTHENTICATION_FAILED',
            { errorCode: 58 },
          )
        default:
          throw new Error('the broker sent a message after the OAUTHBEARER exchange ended')
      }
    }
  }

  close(): void {
    this.#tokens.close?.()
  }
}
