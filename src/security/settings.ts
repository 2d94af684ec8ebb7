/**
 * What security.protocol, ssl.* and sasl.* resolve to: the TLS options for each connection and
 * the SASL mechanism that authenticates it. Resolved once, at construction, so that every
 * mistake is a ConfigError from `new Producer()`.
 */

import { ConfigError } from '../errors.js'
import { processWarning, type Warn } from '../logging.js'
import type { TlsOptions } from '../network/connection.js'
import { DOTTED_NAMES, type ProducerConfig } from '../producer/config/types.js'
import { saslFromSettings } from './sasl/from-settings.js'
import { isSaslMechanism, type SaslMechanism } from './sasl/mechanism.js'
import { resolveTls } from './tls/tls-options.js'

export interface ResolvedSecurity {
  readonly tls: TlsOptions | null
  readonly sasl: SaslMechanism | null
}

// Settings without a default value: one that is set is meant to be used.
const TLS_SETTINGS = [
  'sslTruststoreLocation',
  'sslTruststoreType',
  'sslTruststorePassword',
  'sslTruststoreCertificates',
  'sslKeystoreLocation',
  'sslKeystoreType',
  'sslKeystorePassword',
  'sslKeystoreKey',
  'sslKeystoreCertificateChain',
  'sslKeyPassword',
  'sslCipherSuites',
] as const satisfies readonly (keyof ProducerConfig)[]

const SASL_SETTINGS = [
  'sasl',
  'saslJaasConfig',
  'saslLoginCallbackHandlerClass',
  'saslOauthbearerTokenEndpointUrl',
  'saslOauthbearerScope',
  'saslOauthbearerClientCredentialsClientId',
  'saslOauthbearerClientCredentialsClientSecret',
] as const satisfies readonly (keyof ProducerConfig)[]

let warnedHostnameCheck = false

export function resolveSecurity(c: ProducerConfig, warn: Warn = processWarning): ResolvedSecurity {
  const protocol = c.securityProtocol
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
  // Settings that would be silently ignored are refused: credentials meant for a listener the
  // client would not authenticate to are a mistake the user wants to hear about now.
  for (const k of [...TLS_SETTINGS, ...(usesSasl ? [] : SASL_SETTINGS)]) {
    if (k.startsWith('ssl') && usesTls) continue
    const v = c[k]
    if (v !== null && !(Array.isArray(v) && v.length === 0)) {
      const wanted = k.startsWith('ssl') ? 'SSL or SASL_SSL' : 'SASL_SSL or SASL_PLAINTEXT'
      throw new ConfigError(
        DOTTED_NAMES[k],
        `is set, but security.protocol is ${protocol}, which does not use it. Set security.protocol to ${wanted}, or remove ${DOTTED_NAMES[k]}.`,
      )
    }
  }
  if (!usesSasl && isSaslMechanism(c.saslMechanism)) {
    throw new ConfigError(
      'sasl.mechanism',
      `is a mechanism object, but security.protocol is ${protocol}. Set security.protocol to SASL_SSL or SASL_PLAINTEXT.`,
    )
  }
  let tls: TlsOptions | null = null
  if (usesTls) {
    const resolved = resolveTls(c)
    tls = resolved.options
    // Without a logger once per process, as Node's own warnings; with one, each producer says it.
    if (resolved.hostnameCheckDisabled && (warn !== processWarning || !warnedHostnameCheck)) {
      if (warn === processWarning) warnedHostnameCheck = true
      warn(
        "ssl.endpoint.identification.algorithm is '': broker certificates are verified, but not that they " +
          'belong to the host connected to, so a man in the middle with any trusted certificate goes unnoticed.',
        { code: 'SLUICE_TLS_HOSTNAME_CHECK_OFF' },
      )
    }
  }
  return Object.freeze({ tls, sasl: usesSasl ? saslFromSettings(c, warn) : null })
}
