/**
 * Our resolved producer config against Kafka's own ProducerConfig (a probe compiled against
 * Kafka's jars) on the same inputs: integration tier, as it runs Java.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { ConfigError } from '../../src/errors.js'
import { CONFIG_DEFINITIONS, type ProducerConfig, resolveConfig } from '../../src/producer/config/index.js'
import { runJavaSource } from '../helpers/java.js'

/**
 * Kafka's own ProducerConfig (and KafkaProducer's delivery-timeout rule) on the same inputs:
 * each stdin line is a base64 .properties text; each output line is "OK\t<k=v>..." or "ERROR\t<message>".
 */
const JAVA_SOURCE = `
import java.io.*;
import java.lang.reflect.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.clients.producer.*;
public class ConfigProbe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Method delivery = KafkaProducer.class.getDeclaredMethod("configureDeliveryTimeout", ProducerConfig.class, org.slf4j.Logger.class);
    delivery.setAccessible(true);
    String line;
    while ((line = in.readLine()) != null) {
      Properties p = new Properties();
      p.load(new StringReader(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8)));
      p.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
      p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
      try {
        ProducerConfig c = new ProducerConfig(p);
        Object d = delivery.invoke(null, c, org.slf4j.LoggerFactory.getLogger("probe"));
        StringBuilder out = new StringBuilder("OK");
        for (String n : new TreeSet<>(ProducerConfig.configNames())) {
          Object v = n.equals("delivery.timeout.ms") ? d : c.values().get(n);
          out.append('\\t').append(n).append('=').append(v);
        }
        System.out.println(out);
      } catch (Exception e) {
        Throwable t = e instanceof InvocationTargetException ? e.getCause() : e;
        System.out.println("ERROR\\t" + String.valueOf(t.getMessage()).replace('\\n', ' '));
      }
    }
  }
}
`

async function javaProducerConfigs(cases: Record<string, string>[]): Promise<string[]> {
  const input = cases
    .map((c) =>
      Buffer.from(
        Object.entries(c)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      ).toString('base64'),
    )
    .join('\n')
  const { stdout } = await runJavaSource({ name: 'ConfigProbe.java', text: JAVA_SOURCE }, [], `${input}\n`)
  return stdout.split('\n').filter((l) => l.length > 0)
}

/** Our resolved value in the form Java prints it. */
function javaForm(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) {
    return `[${value.map((v) => (typeof v === 'object' && v !== null && 'host' in v ? `${v.host}:${v.port}` : String(v))).join(', ')}]`
  }
  return String(value)
}

describe("against Kafka's Java ProducerConfig", () => {
  /** Java-side only: no Java producer setting, or a default Java does not have. */
  const NOT_COMPARED = new Set([
    'client.id',
    'key.serializer',
    'value.serializer',
    'allow.auto.create.topics',
    // Java defaults these to JKS; Sluice reads the format from the file (JKS is refused with a fix).
    'ssl.truststore.type',
    'ssl.keystore.type',
    // Sluice's own: the kafkajs-style credentials object, the logger, the breaker, the spool.
    'sasl',
    'logger',
    'circuitBreaker',
    'spool',
  ])
  const scenarios: Record<string, string>[] = [
    {},
    { acks: '1' },
    { acks: '0' },
    { acks: '-1' },
    { retries: '0' },
    { 'enable.idempotence': 'true', acks: '1' },
    { 'enable.idempotence': 'true', retries: '0' },
    { 'enable.idempotence': 'false', acks: '0' },
    { 'max.in.flight.requests.per.connection': '6' },
    { 'max.in.flight.requests.per.connection': '6', acks: '1' },
    { 'max.in.flight.requests.per.connection': '6', 'enable.idempotence': 'false' },
    { 'transactional.id': 't', acks: '1' },
    { 'transactional.id': 't', 'enable.idempotence': 'false' },
    { 'transactional.id': 't', retries: '0' },
    { 'transactional.id': 't' },
    { 'delivery.timeout.ms': '30004' },
    { 'delivery.timeout.ms': '30005' },
    { 'linger.ms': '100000' },
    { 'linger.ms': '1000', 'request.timeout.ms': '200000', 'delivery.timeout.ms': '200000' },
    { 'reconnect.backoff.ms': '5000' },
    { 'reconnect.backoff.ms': '10', 'reconnect.backoff.max.ms': '20' },
    { 'compression.gzip.level': '0' },
    { 'compression.gzip.level': '-1', 'compression.lz4.level': '17', 'compression.zstd.level': '-131072' },
    { 'compression.zstd.level': '23' },
    { 'metadata.max.idle.ms': '4999' },
    { 'metadata.recovery.strategy': 'none' },
    { 'enable.idempotence': 'yes' },
    { 'linger.ms': ' 7 ', 'batch.size': '+5' },
    { 'batch.size': '1.5' },
    { acks: 'ALL' },
    { 'compression.type': 'GZIP' },
    { 'send.buffer.bytes': '-1', 'receive.buffer.bytes': '-2' },
    { 'bootstrap.servers': 'a:1,a:1' },
    { 'bootstrap.servers': 'a:1,,b:2' },
  ]

  let java: string[] = []
  before(async () => {
    java = await javaProducerConfigs(scenarios.map((s) => ({ 'bootstrap.servers': 'localhost:9092', ...s })))
  })

  for (const [i, s] of scenarios.entries()) {
    test(`${JSON.stringify(s)}: same outcome`, () => {
      const line = java[i]
      assert.ok(line !== undefined, 'java answered')
      let ours: ProducerConfig | Error
      try {
        ours = resolveConfig({ 'bootstrap.servers': 'localhost:9092', ...s })
      } catch (err) {
        ours = err as Error
      }
      if (line.startsWith('ERROR')) {
        assert.ok(ours instanceof ConfigError, `Java failed (${line}) but we resolved`)
        return
      }
      assert.ok(!(ours instanceof Error), `Java accepted but we failed: ${(ours as Error).message}`)
      const values = new Map(
        line
          .split('\t')
          .slice(1)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
      )
      for (const d of CONFIG_DEFINITIONS) {
        if (NOT_COMPARED.has(d.name)) continue
        assert.ok(values.has(d.name), `Java has ${d.name}`)
        assert.equal(javaForm(ours[d.camel as keyof ProducerConfig]), values.get(d.name), d.name)
      }
      assert.match(values.get('client.id') ?? '', /^producer-(\d+|t)$/)
    })
  }
})
