import type { Secret } from '../secret.js'
import type { SaslMechanism, SaslStep } from './mechanism.js'

/** SASL/PLAIN (RFC 4616): one message, `authzid NUL username NUL password`, with an empty authzid. */
export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN'
  readonly #username: string
  readonly #password: Secret

  constructor(username: string, password: Secret) {
    this.#username = username
    this.#password = password
  }

  start(): SaslStep {
    let sent = false
    return (serverMessage) => {
      if (!sent) {
        sent = true
        return Buffer.concat([Buffer.from(`\0${this.#username}\0`, 'utf8'), this.#password.revealBytes()])
      }
      // The broker answers a good PLAIN message with an empty one; anything else is not PLAIN.
      if (serverMessage !== null && serverMessage.length > 0) {
        throw new Error('the broker sent an unexpected PLAIN challenge')
      }
      return null
    }
  }
}
