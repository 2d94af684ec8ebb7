import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Java's KafkaProducer producing the compressible records the compression-fill test also
 * produces with Sluice, so the two producers' batches can be compared on the broker's disk:
 * record i is {"id":i,"user":"user-<i mod 97>","text":"<the sentence, 6 times>"} (what the
 * test's JSON.stringify makes), without key, to partition 0, flushing after every 1000.
 *
 * Usage: ProduceCompressible <bootstrap> <topic> <compression.type> <batch.size> <records>
 * Prints "done <records>" once every record is acknowledged.
 */
public class ProduceCompressible {
  public static String value(int i) {
    String sentence = "the quick brown fox jumps over the lazy dog ";
    return "{\"id\":" + i + ",\"user\":\"user-" + (i % 97) + "\",\"text\":\"" + sentence.repeat(6) + "\"}";
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, args[2]);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, args[3]);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "100");
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    String topic = args[1];
    int records = Integer.parseInt(args[4]);
    AtomicInteger failed = new AtomicInteger();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < records; i++) {
        producer.send(
            new ProducerRecord<>(topic, 0, null, value(i).getBytes(StandardCharsets.UTF_8)),
            (md, err) -> {
              if (err != null && failed.getAndIncrement() == 0) err.printStackTrace();
            });
        // As the test paces Sluice: a flush after every 1000 records.
        if (i % 1000 == 999) producer.flush();
      }
      producer.flush();
    }
    if (failed.get() > 0) {
      System.err.println(failed.get() + " records failed");
      System.exit(1);
    }
    System.out.println("done " + records);
  }
}
