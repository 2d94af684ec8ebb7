/**
 * Every Java ProducerConfig setting (Kafka 4.4.0) that Sluice does not implement, with why.
 * test/producer/config-javadef.test.ts checks that Kafka's names are exactly the implemented ones
 * plus these (a setting added by a new Kafka fails it until it is listed here), and that the
 * section "Java ProducerConfig settings Sluice does not implement" of docs/COMPATIBILITY.md
 * lists the same names with the same reasons.
 */
const KERBEROS = 'GSSAPI (Kerberos) is not supported: Sluice speaks PLAIN, SCRAM and OAUTHBEARER.'
const JWT_VALIDATION =
  'Sluice does not validate the OAuth tokens it obtains (no JWKS, audience, issuer or clock checks); the broker does.'
const ASSERTION =
  'OAuth JWT-bearer client assertions are not implemented: Sluice asks the token endpoint with the client-credentials grant.'
const JSSE = "A Java security (JSSE) name; Sluice's TLS is Node's (OpenSSL), which has no such choice."

export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  'bootstrap.resolve.timeout.ms':
    'Sluice resolves broker host names when it connects, never while constructing the producer, so there is no resolution mode to choose.',
  'buffer.memory.allocation.strategy':
    "Sluice always reserves as Java's default (full) does: batch.size, or the first record's size if larger, when a batch is made; incremental is not offered.",
  'client.dns.lookup':
    "Host names are resolved by Node's resolver when connecting; Java's lookup modes are not offered.",
  'client.rack': 'Only used by rack-aware partitioning (partitioner.rack.aware), which is not implemented.',
  'config.providers':
    'Java ConfigProvider plug-ins; in JavaScript, read such values (files, environment, vaults) before building the settings.',
  'enable.metrics.push':
    'Pushing client metrics to the broker (KIP-714) is not implemented; Sluice exports metrics with Prometheus or OpenTelemetry.',
  'metadata.cluster.check.enable':
    'Sending cluster and node ids on connect, for the broker to spot a misrouted connection, is not implemented.',
  'metadata.recovery.rebootstrap.trigger.ms':
    'Rebootstrapping after a set time without metadata from any known broker is not implemented.',
  'metric.reporters':
    'Java MetricsReporter classes (JMX by default); Sluice has its own metrics API with Prometheus and OpenTelemetry exporters.',
  'partitioner.rack.aware': 'Rack-aware partitioning is not implemented.',
  'sasl.client.callback.handler.class':
    'A Java SASL callback handler class; Sluice takes credentials as settings or as the sasl object.',
  'sasl.kerberos.kinit.cmd': KERBEROS,
  'sasl.kerberos.min.time.before.relogin': KERBEROS,
  'sasl.kerberos.service.name': KERBEROS,
  'sasl.kerberos.ticket.renew.jitter': KERBEROS,
  'sasl.kerberos.ticket.renew.window.factor': KERBEROS,
  'sasl.login.class':
    'A Java Login class; OAUTHBEARER tokens come from the token endpoint or from sasl.login.callback.handler.class.',
  'sasl.oauthbearer.allow.unverified.audience': JWT_VALIDATION,
  'sasl.oauthbearer.allow.unverified.issuer': JWT_VALIDATION,
  'sasl.oauthbearer.assertion.algorithm': ASSERTION,
  'sasl.oauthbearer.assertion.claim.aud': ASSERTION,
  'sasl.oauthbearer.assertion.claim.exp.seconds': ASSERTION,
  'sasl.oauthbearer.assertion.claim.iss': ASSERTION,
  'sasl.oauthbearer.assertion.claim.jti.include': ASSERTION,
  'sasl.oauthbearer.assertion.claim.nbf.seconds': ASSERTION,
  'sasl.oauthbearer.assertion.claim.sub': ASSERTION,
  'sasl.oauthbearer.assertion.file': ASSERTION,
  'sasl.oauthbearer.assertion.private.key.file': ASSERTION,
  'sasl.oauthbearer.assertion.private.key.passphrase': ASSERTION,
  'sasl.oauthbearer.assertion.template.file': ASSERTION,
  'sasl.oauthbearer.clock.skew.seconds': JWT_VALIDATION,
  'sasl.oauthbearer.expected.audience': JWT_VALIDATION,
  'sasl.oauthbearer.expected.issuer': JWT_VALIDATION,
  'sasl.oauthbearer.jwks.endpoint.refresh.ms': JWT_VALIDATION,
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms': JWT_VALIDATION,
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms': JWT_VALIDATION,
  'sasl.oauthbearer.jwks.endpoint.url': JWT_VALIDATION,
  'sasl.oauthbearer.jwt.retriever.class':
    'A Java JwtRetriever class; Sluice fetches tokens itself (client credentials) or from sasl.login.callback.handler.class.',
  'sasl.oauthbearer.jwt.validator.class': JWT_VALIDATION,
  'security.providers': JSSE,
  'ssl.engine.factory.class': "A Java SSLEngine factory class; Sluice's TLS is Node's tls module.",
  'ssl.keymanager.algorithm': JSSE,
  'ssl.provider': JSSE,
  'ssl.secure.random.implementation': JSSE,
  'ssl.trustmanager.algorithm': JSSE,
  'transaction.two.phase.commit.enable': 'Two-phase commit transactions (KIP-939) are not implemented.',
}
