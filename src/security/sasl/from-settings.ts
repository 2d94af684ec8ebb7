/**
 * The SASL mechanism the settings describe: the `sasl` object (kafkajs's form), or
 * sasl.mechanism with sasl.jaas.config (Java's form), or a mechanism object of the user's.
 */

import { ConfigError } from '../../errors.js'
import { processWarning, type Warn } from '../../logging.js'
import type { ProducerConfig } from '../../producer/config/types.js'
import { checkLoginModule, parseJaasConfig } from '../jaas.js'
import { oauthTokenProvider } from '../oauth/settings.js'
import { Secret } from '../secret.js'
import { isSaslMechanism, type SaslMechanism } from './mechanism.js'
import { OAuthBearerMechanism } from './oauthbearer.js'
import { PlainMechanism } from './plain.js'
import { isScramName, ScramMechanism } from './scram.js'

const BUILT_IN = 'PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER'

interface Credentials {
  username: string
  password: Secret
  tokenAuth?: boolean
}

export function saslFromSettings(c: ProducerConfig, warn: Warn = processWarning): SaslMechanism {
  const object = c.sasl
  if (object !== null) {
    if (c.saslJaasConfig !== null)
      throw new ConfigError('sasl', 'and sasl.jaas.config are both set; give the credentials one way.')
    if (typeof c.saslMechanism !== 'string' || c.saslMechanism !== 'GSSAPI')
      throw new ConfigError(
        'sasl',
        "and sasl.mechanism are both set; put the mechanism in sasl's mechanism field.",
      )
  }
  const mechanism = object?.mechanism ?? c.saslMechanism
  if (isSaslMechanism(mechanism)) return mechanism
  const option = object !== null ? 'sasl' : 'sasl.mechanism'
  const name = mechanism.toUpperCase()
  if (name === 'GSSAPI') {
    throw new ConfigError(
      option,
      `is GSSAPI (Kerberos, Java's default), which Sluice does not support. Set sasl.mechanism to one of ${BUILT_IN}, ` +
        'or pass a mechanism object { name, start() }.',
    )
  }
  if (name === 'PLAIN' || isScramName(name)) {
    const creds = credentials(c, name)
    return name === 'PLAIN'
      ? new PlainMechanism(creds.username, creds.password)
      : new ScramMechanism(name, creds.username, creds.password, { tokenAuth: creds.tokenAuth === true })
  }
  if (name === 'OAUTHBEARER') return oauthBearer(c, warn)
  throw new ConfigError(
    option,
    `'${mechanism}' is not built in (${BUILT_IN} are). For another mechanism, such as AWS_MSK_IAM, pass an object ` +
      '{ name, start(context) } as sasl.mechanism (see README, "Connecting securely").',
  )
}

function credentials(c: ProducerConfig, name: string): Credentials {
  const object = c.sasl
  if (object !== null) {
    if (object.username === undefined || object.password === undefined)
      throw new ConfigError(
        object.username === undefined ? 'sasl.username' : 'sasl.password',
        `is required for ${name}: pass { mechanism, username, password }.`,
      )
    return { username: object.username, password: object.password }
  }
  if (c.saslJaasConfig === null) {
    const module = name === 'PLAIN' ? 'plain.PlainLoginModule' : 'scram.ScramLoginModule'
    throw new ConfigError(
      'sasl.jaas.config',
      `is required for ${name}: e.g. org.apache.kafka.common.security.${module} required username="..." password="...";` +
        ' or pass sasl: { mechanism, username, password }.',
    )
  }
  return jaasCredentials(c.saslJaasConfig, name)
}

function jaasCredentials(jaas: Secret, name: string): Credentials {
  const entry = parseJaasConfig(jaas.reveal())
  checkLoginModule(entry, name)
  const username = entry.options.get('username')
  const password = entry.options.get('password')
  if (username === undefined || password === undefined) {
    throw new ConfigError(
      'sasl.jaas.config',
      `has no ${username === undefined ? 'username' : 'password'} option, which ${name} needs: ` +
        `${entry.loginModule} required username="..." password="...";`,
    )
  }
  // ScramLoginModule's tokenauth: Boolean.parseBoolean, so any case of "true".
  const tokenAuth = entry.options.get('tokenauth')?.toLowerCase() === 'true'
  return { username, password: new Secret(password), tokenAuth }
}

function oauthBearer(c: ProducerConfig, warn: Warn): SaslMechanism {
  return new OAuthBearerMechanism(oauthTokenProvider(c, { warn }))
}
