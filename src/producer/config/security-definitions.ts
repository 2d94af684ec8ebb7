/** The security settings (security.protocol, ssl.*, sasl.*), with Kafka 4.x's names and defaults. */
import * as p from './coerce.js'
import type { Spec } from './definitions.js'
import * as s from './security-coerce.js'
import type { ProducerConfig } from './types.js'

type SecurityKey = Extract<keyof ProducerConfig, `security${string}` | `ssl${string}` | `sasl${string}`>

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const

const securityProtocol: p.Parser<ProducerConfig['securityProtocol']> = (value, key) => {
  const v = typeof value === 'string' ? value.trim().toUpperCase() : value
  return p.oneOf(PROTOCOLS, { ignoreCase: false })(v, key)
}

function optionalString(doc: string, valid = 'string or null'): Spec<string | null> {
  return { type: 'string', default: null, doc, valid, parse: p.nullable(p.string({ nonEmpty: true })) }
}

function password(doc: string): Spec<ProducerConfig['sslKeyPassword']> {
  return { type: 'password', default: null, doc, valid: 'string or null (never shown)', parse: s.secret }
}

function seconds(def: number, max: number, doc: string): Spec<number> {
  return { type: 'int', default: def, doc, valid: `0..${max}`, parse: p.integer({ min: 0, max, unit: 's' }) }
}

const optionalMs: p.Parser<number | null> = p.nullable(p.integer({ min: 0, max: p.INT_MAX, unit: 'ms' }))

export const SECURITY_SPECS: { readonly [K in SecurityKey]: Spec<ProducerConfig[K]> } = {
  securityProtocol: {
    type: 'enum',
    default: 'PLAINTEXT',
    doc: 'How to reach the brokers: plaintext or TLS, with or without SASL authentication.',
    valid: 'PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (any case)',
    parse: securityProtocol,
  },
  sslProtocol: {
    type: 'string',
    default: 'TLSv1.3',
    doc: 'Newest TLS version to use (TLSv1.2 keeps to 1.2 even when ssl.enabled.protocols lists 1.3).',
    valid: 'TLSv1.2, TLSv1.3, TLS',
    parse: p.oneOf(['TLSv1.2', 'TLSv1.3', 'TLS'], { ignoreCase: false }),
  },
  sslEnabledProtocols: {
    type: 'list',
    default: Object.freeze(['TLSv1.2', 'TLSv1.3']),
    defaultText: 'TLSv1.2,TLSv1.3',
    doc: 'TLS versions the client accepts.',
    valid: 'TLSv1.2, TLSv1.3 (comma-separated or an array)',
    parse: (value, key) => s.stringList(value, key) ?? Object.freeze(['TLSv1.2', 'TLSv1.3']),
  },
  sslCipherSuites: {
    type: 'list',
    default: Object.freeze([]),
    defaultText: "'' (Node's defaults)",
    doc: "Cipher suites to offer, by IANA (Java) or OpenSSL name; none listed: Node's defaults.",
    valid: 'comma-separated names or an array',
    parse: (value, key) => s.stringList(value, key) ?? Object.freeze([]),
  },
  sslEndpointIdentificationAlgorithm: {
    type: 'string',
    default: 'https',
    doc: "Check every broker's host name against its certificate; '' turns the check off (unsafe, warned about).",
    valid: "'https' or ''",
    parse: p.oneOf(['https', ''], { ignoreCase: true }),
  },
  sslTruststoreLocation: optionalString(
    'PEM file of the CA certificates to trust; the system CAs when neither this nor ssl.truststore.certificates is set.',
    'path or null',
  ),
  sslTruststoreType: {
    type: 'enum',
    default: null,
    defaultText: 'PEM (read from the file)',
    doc: 'Format of ssl.truststore.location. JKS and PKCS12 truststores must be converted to PEM (the error says how).',
    valid: 'PEM, JKS, PKCS12 or null',
    parse: p.nullable(p.oneOf(['PEM', 'JKS', 'PKCS12'], { ignoreCase: false })),
  },
  sslTruststorePassword: password('Password of a JKS or PKCS12 truststore (not needed for PEM).'),
  sslTruststoreCertificates: {
    type: 'pem',
    default: null,
    doc: 'CA certificates to trust, as PEM text (string or Buffer), instead of a file.',
    valid: 'PEM string, Buffer, array of them, or null',
    parse: s.pem,
  },
  sslKeystoreLocation: optionalString(
    "The client's key and certificate chain for mTLS: a PEM file, or a PKCS#12 file (ssl.keystore.type=PKCS12).",
    'path or null',
  ),
  sslKeystoreType: {
    type: 'enum',
    default: null,
    defaultText: 'PEM or PKCS12 (read from the file)',
    doc: 'Format of ssl.keystore.location; JKS must be converted (the error says how).',
    valid: 'PEM, PKCS12, JKS or null',
    parse: p.nullable(p.oneOf(['PEM', 'JKS', 'PKCS12'], { ignoreCase: false })),
  },
  sslKeystorePassword: password('Password of a PKCS12 keystore.'),
  sslKeystoreKey: {
    type: 'password',
    default: null,
    doc: "The client's private key as PEM text, with ssl.keystore.certificate.chain.",
    valid: 'PEM string or Buffer, or null (never shown)',
    parse: s.secret,
  },
  sslKeystoreCertificateChain: {
    type: 'pem',
    default: null,
    doc: "The client's certificate chain as PEM text, with ssl.keystore.key.",
    valid: 'PEM string, Buffer, array of them, or null',
    parse: s.pem,
  },
  sslKeyPassword: password('Decrypts an encrypted private key (PEM keystore or ssl.keystore.key).'),
  saslMechanism: {
    type: 'mechanism',
    default: 'GSSAPI',
    doc: 'SASL mechanism for SASL_PLAINTEXT / SASL_SSL; GSSAPI (Kerberos, the Java default) is not supported.',
    valid: 'PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, or a mechanism object { name, start() }',
    parse: s.saslMechanism,
  },
  saslJaasConfig: {
    type: 'password',
    default: null,
    doc: 'Credentials in Java JAAS syntax, e.g. PlainLoginModule required username="u" password="p";',
    valid: 'JAAS text for PlainLoginModule, ScramLoginModule or OAuthBearerLoginModule (never shown)',
    parse: s.secret,
  },
  sasl: {
    type: 'object',
    default: null,
    doc: "Credentials as kafkajs writes them: { mechanism: 'scram-sha-512', username, password }, or { mechanism: 'oauthbearer', oauthBearerProvider }.",
    valid: 'object or null; instead of sasl.mechanism + sasl.jaas.config',
    parse: s.saslObject,
  },
  saslLoginCallbackHandlerClass: {
    type: 'function',
    default: null,
    doc: 'OAUTHBEARER: an async function returning { value, lifetimeMs? }, called for a new token before the old one expires.',
    valid: 'function or null',
    parse: s.tokenCallback,
  },
  saslOauthbearerTokenEndpointUrl: optionalString(
    'OAUTHBEARER: the OAuth token endpoint to get tokens from with the client credentials grant (http:, https: or file:).',
    'URL or null',
  ),
  saslOauthbearerScope: optionalString('OAUTHBEARER: scope to ask the token endpoint for.'),
  saslOauthbearerClientCredentialsClientId: optionalString(
    'OAUTHBEARER: client id for the token endpoint (or the JAAS option clientId).',
  ),
  saslOauthbearerClientCredentialsClientSecret: password(
    'OAUTHBEARER: client secret for the token endpoint (or the JAAS option clientSecret).',
  ),
  saslOauthbearerHeaderUrlencode: {
    type: 'boolean',
    default: false,
    doc: "OAUTHBEARER: URL-encode the client id and secret in the token endpoint's Basic header (RFC 6749 2.3.1); many identity providers expect them unencoded.",
    valid: 'true, false',
    parse: p.boolean,
  },
  saslOauthbearerSubClaimName: {
    type: 'string',
    default: 'sub',
    doc: 'OAUTHBEARER: the token claim that names the principal.',
    valid: 'non-empty string',
    parse: p.string({ nonEmpty: true }),
  },
  saslOauthbearerScopeClaimName: {
    type: 'string',
    default: 'scope',
    doc: 'OAUTHBEARER: the token claim that holds its scopes.',
    valid: 'non-empty string',
    parse: p.string({ nonEmpty: true }),
  },
  saslLoginConnectTimeoutMs: {
    type: 'int',
    default: null,
    defaultText: 'null (10000)',
    doc: 'OAUTHBEARER: connect timeout for the token endpoint.',
    valid: '>= 0 or null',
    parse: optionalMs,
  },
  saslLoginReadTimeoutMs: {
    type: 'int',
    default: null,
    defaultText: 'null (10000)',
    doc: 'OAUTHBEARER: read timeout for the token endpoint.',
    valid: '>= 0 or null',
    parse: optionalMs,
  },
  saslLoginRetryBackoffMs: {
    type: 'long',
    default: 100,
    doc: 'OAUTHBEARER: first wait before retrying the token endpoint; doubles up to the max.',
    valid: '>= 0',
    parse: p.integer({ min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'ms' }),
  },
  saslLoginRetryBackoffMaxMs: {
    type: 'long',
    default: 10000,
    doc: 'OAUTHBEARER: upper bound of the token endpoint retry backoff.',
    valid: '>= 0',
    parse: p.integer({ min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'ms' }),
  },
  saslLoginRefreshWindowFactor: {
    type: 'double',
    default: 0.8,
    doc: 'OAUTHBEARER: refresh a token once this fraction of its lifetime has passed.',
    valid: '0.5..1.0',
    parse: s.decimal(0.5, 1),
  },
  saslLoginRefreshWindowJitter: {
    type: 'double',
    default: 0.05,
    doc: 'OAUTHBEARER: random extra fraction of the lifetime added to the refresh point.',
    valid: '0..0.25',
    parse: s.decimal(0, 0.25),
  },
  saslLoginRefreshMinPeriodSeconds: seconds(60, 900, 'OAUTHBEARER: least time between two token refreshes.'),
  saslLoginRefreshBufferSeconds: seconds(
    300,
    3600,
    'OAUTHBEARER: refresh at least this long before the token expires.',
  ),
}
