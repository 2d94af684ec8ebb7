/**
 * Which token source the OAUTHBEARER settings describe, checked at construction. In order:
 *
 * 1. a function: sasl.login.callback.handler.class, or the `sasl` object's oauthBearerProvider;
 * 2. sasl.oauthbearer.token.endpoint.url: the client credentials grant (http:, https:), with the
 *    client id and secret from sasl.oauthbearer.client.credentials.client.id / .secret or the
 *    JAAS options clientId / clientSecret, the scope from sasl.oauthbearer.scope or the JAAS
 *    option scope, and SASL extensions from JAAS options extension_<name>; or a token file (file:);
 * 3. Java's unsecured login, from the OAuthBearerLoginModule's unsecuredLogin* JAAS options.
 */
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../../errors.js'
import type { ProducerConfig } from '../../producer/config/types.js'
import { checkLoginModule, type JaasEntry, parseJaasConfig } from '../jaas.js'
import { Secret } from '../secret.js'
import { callbackTokenSource } from './callback.js'
import { tokenEndpointSource, tokenFileSource } from './oidc.js'
import { RefreshingToken, type RefreshingTokenOptions } from './refreshing.js'
import { checkedExtensions, type TokenSource } from './token.js'
import { hasUnsecuredOptions, unsecuredToken, unsecuredTokenSource } from './unsecured.js'

const DEFAULT_TIMEOUT_MS = 10_000
const ENDPOINT = 'sasl.oauthbearer.token.endpoint.url'

/** The token source for OAUTHBEARER, kept fresh; ConfigError when the settings give none. */
export function oauthTokenProvider(c: ProducerConfig, options: RefreshingTokenOptions = {}): RefreshingToken {
  return new RefreshingToken(
    oauthTokenSource(c),
    {
      windowFactor: c.saslLoginRefreshWindowFactor,
      windowJitter: c.saslLoginRefreshWindowJitter,
      minPeriodSeconds: c.saslLoginRefreshMinPeriodSeconds,
      bufferSeconds: c.saslLoginRefreshBufferSeconds,
    },
    options,
  )
}

export function oauthTokenSource(c: ProducerConfig): TokenSource {
  const provider = c.sasl?.oauthBearerProvider ?? null
  if (provider !== null && c.saslLoginCallbackHandlerClass !== null) {
    throw new ConfigError(
      'sasl.login.callback.handler.class',
      "and sasl's oauthBearerProvider are both set; give the token function one way.",
    )
  }
  let entry: JaasEntry | null = null
  if (c.saslJaasConfig !== null) {
    entry = parseJaasConfig(c.saslJaasConfig.reveal())
    checkLoginModule(entry, 'OAUTHBEARER')
  }
  const jaas = entry?.options ?? new Map<string, string>()

  const callback = provider ?? c.saslLoginCallbackHandlerClass
  if (callback !== null && c.saslOauthbearerTokenEndpointUrl !== null) {
    throw new ConfigError(
      ENDPOINT,
      `and ${provider !== null ? "sasl's oauthBearerProvider" : 'sasl.login.callback.handler.class'} are both set: ` +
        'the function would make every token and the endpoint would never be asked. Set one of them.',
    )
  }
  if (callback !== null) {
    return callbackTokenSource(callback, {
      setting: provider !== null ? "sasl's oauthBearerProvider" : 'sasl.login.callback.handler.class',
      subClaimName: c.saslOauthbearerSubClaimName,
    })
  }
  if (c.saslOauthbearerTokenEndpointUrl !== null) return endpointSource(c, jaas)
  if ((jaas.has('clientId') || jaas.has('clientSecret')) && !hasUnsecuredOptions(jaas)) {
    throw new ConfigError(
      ENDPOINT,
      'is required: sasl.jaas.config gives clientId/clientSecret for the client credentials grant, but no token endpoint is set.',
    )
  }
  if (entry !== null && jaas.size > 0 && (hasUnsecuredOptions(jaas) || !hasOnlyIgnoredOptions(jaas))) {
    unsecuredToken(jaas, Date.now()) // its mistakes, now, as ConfigErrors
    return unsecuredTokenSource(jaas)
  }
  throw new ConfigError(
    'sasl.mechanism',
    'is OAUTHBEARER, which needs a token from one of: ' +
      '(1) a function returning { value, lifetimeMs? } as sasl.login.callback.handler.class, or ' +
      "sasl: { mechanism: 'oauthbearer', oauthBearerProvider }; " +
      `(2) ${ENDPOINT} (an OAuth token endpoint, for the client credentials grant) with ` +
      'sasl.oauthbearer.client.credentials.client.id and .client.secret (or the JAAS options clientId and clientSecret), ' +
      'or a file: URL of a token file; ' +
      '(3) for development against brokers with the unsecured validator only: sasl.jaas.config = ' +
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="<principal>";',
  )
}

// Options the secured login reads, which mean nothing to the unsecured one.
function hasOnlyIgnoredOptions(jaas: ReadonlyMap<string, string>): boolean {
  for (const k of jaas.keys())
    if (k !== 'scope' && !k.startsWith('extension_') && !k.startsWith('ssl.')) return false
  return true
}

function endpointSource(c: ProducerConfig, jaas: ReadonlyMap<string, string>): TokenSource {
  const text = c.saslOauthbearerTokenEndpointUrl!.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConfigError(ENDPOINT, 'is not a URL: give an http:, https: or file: URL.')
  }
  const extensions = checkedExtensions(
    [...jaas].filter(([k]) => k.startsWith('extension_')).map(([k, v]) => [k.slice('extension_'.length), v]),
    (problem) => new ConfigError('sasl.jaas.config', `has a bad extension_ option: ${problem}.`),
  )
  const sub = c.saslOauthbearerSubClaimName
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url)
    if (!existsSync(path))
      throw new ConfigError(ENDPOINT, `names the token file ${path}, which does not exist.`)
    if (statSync(path).isDirectory())
      throw new ConfigError(ENDPOINT, `names ${path}, a directory, not a token file.`)
    return tokenFileSource(path, sub, extensions)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      ENDPOINT,
      `has the protocol ${url.protocol}; only http:, https: and file: are supported.`,
    )
  }
  for (const k of jaas.keys()) {
    if (k.startsWith('ssl.')) {
      throw new ConfigError(
        'sasl.jaas.config',
        `sets ${k} for the token endpoint, which Sluice does not support: ` +
          'the endpoint is checked against Node.js CA certificates; add a private CA with NODE_EXTRA_CA_CERTS.',
      )
    }
  }
  const clientId = nonBlank(c.saslOauthbearerClientCredentialsClientId) ?? nonBlank(jaas.get('clientId'))
  const secret = c.saslOauthbearerClientCredentialsClientSecret
  const clientSecret =
    secret !== null && secret.reveal().trim() !== ''
      ? secret
      : nonBlank(jaas.get('clientSecret')) !== null
        ? new Secret(jaas.get('clientSecret')!)
        : null
  if (clientId === null || clientSecret === null) {
    const which = clientId === null ? 'client.id' : 'client.secret'
    throw new ConfigError(
      `sasl.oauthbearer.client.credentials.${which}`,
      `is required with the token endpoint ${ENDPOINT} (or the JAAS option ${
        clientId === null ? 'clientId' : 'clientSecret'
      } of OAuthBearerLoginModule).`,
    )
  }
  if (c.saslLoginRetryBackoffMaxMs < c.saslLoginRetryBackoffMs) {
    // Java's Retry refuses the pair too.
    throw new ConfigError(
      'sasl.login.retry.backoff.max.ms',
      `(${c.saslLoginRetryBackoffMaxMs}) is less than sasl.login.retry.backoff.ms (${c.saslLoginRetryBackoffMs}); make it at least that.`,
    )
  }
  return tokenEndpointSource({
    url,
    clientId,
    clientSecret,
    scope: nonBlank(c.saslOauthbearerScope) ?? nonBlank(jaas.get('scope')),
    subClaimName: sub,
    extensions,
    connectTimeoutMs: c.saslLoginConnectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    readTimeoutMs: c.saslLoginReadTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    retryBackoffMs: c.saslLoginRetryBackoffMs,
    retryBackoffMaxMs: c.saslLoginRetryBackoffMaxMs,
    urlencodeHeader: c.saslOauthbearerHeaderUrlencode,
  })
}

function nonBlank(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null
  const t = v.trim()
  return t === '' ? null : t
}
