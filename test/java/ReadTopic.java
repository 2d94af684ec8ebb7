import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Independent reader for tests: Kafka's own KafkaConsumer reads every partition of a topic from
 * the beginning up to the end offsets seen at start (the last stable offsets under
 * read_committed) and prints one JSON object per record, then {"done":true,"records":n}.
 *
 * With the `values` format (for topics of millions of records) it prints one line per record
 * instead, `<partition> <offset> <value as UTF-8>` (just `<partition> <offset>` for a null
 * value), then `done <n>`; a value holding a line break makes it exit with code 4.
 *
 * Usage: ReadTopic <bootstrap> <topic> [read_uncommitted|read_committed] [timeoutMs] [json|values]
 * Exit codes: 0 done, 1 error, 2 timed out before reaching the end offsets, 3 no such topic,
 * 4 a value the values format cannot print.
 */
public class ReadTopic {
  private static final Base64.Encoder B64 = Base64.getEncoder();
  // System.out flushes on every line: far too slow for millions of records.
  private static final PrintStream OUT =
      new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: ReadTopic <bootstrap> <topic> [isolation.level] [timeoutMs]");
      System.exit(1);
    }
    String isolation = args.length > 2 ? args[2] : "read_uncommitted";
    long timeoutMs = args.length > 3 ? Long.parseLong(args[3]) : 30_000L;
    boolean values = args.length > 4 && args[4].equals("values");
    int code = 1;
    try {
      code = run(args[0], args[1], isolation, timeoutMs, values);
    } catch (Exception e) {
      e.printStackTrace();
    }
    OUT.flush();
    System.exit(code);
  }

  private static int run(String bootstrap, String topic, String isolation, long timeoutMs, boolean values) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-independent-reader");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
    long deadline = System.currentTimeMillis() + timeoutMs;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<PartitionInfo> infos = List.of();
      while (true) {
        try {
          infos = consumer.partitionsFor(topic, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
        } catch (TimeoutException | UnknownTopicOrPartitionException e) {
          infos = List.of();
        }
        if (infos != null && !infos.isEmpty()) break;
        if (System.currentTimeMillis() > deadline) {
          System.err.println("topic " + topic + " does not exist");
          return 3;
        }
        sleep(100);
      }
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : infos) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofMillis(timeoutMs)));
      long count = 0;
      StringBuilder line = new StringBuilder(256);
      while (!reachedEnd(consumer, end)) {
        if (System.currentTimeMillis() > deadline) {
          System.err.println("timed out before reaching end offsets " + end);
          return 2;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Long stop = end.get(new TopicPartition(r.topic(), r.partition()));
          if (stop == null || r.offset() >= stop) continue;
          line.setLength(0);
          if (values) {
            if (!valueLine(line, r)) {
              System.err.println("partition " + r.partition() + " offset " + r.offset() + ": the value holds a line break");
              return 4;
            }
            OUT.append(line).append('\n');
            count++;
            continue;
          }
          line.append("{\"partition\":").append(r.partition());
          line.append(",\"offset\":\"").append(r.offset()).append('"');
          line.append(",\"timestamp\":").append(r.timestamp());
          line.append(",\"timestampType\":");
          string(line, r.timestampType().name);
          line.append(",\"key\":");
          bytes(line, r.key());
          line.append(",\"value\":");
          bytes(line, r.value());
          line.append(",\"headers\":[");
          boolean first = true;
          for (Header h : r.headers()) {
            if (!first) line.append(',');
            first = false;
            line.append('[');
            string(line, h.key());
            line.append(',');
            bytes(line, h.value());
            line.append(']');
          }
          line.append("]}");
          OUT.append(line).append('\n');
          count++;
        }
      }
      if (values) OUT.append("done ").append(String.valueOf(count)).append('\n');
      else OUT.append("{\"done\":true,\"records\":").append(String.valueOf(count)).append("}\n");
      return 0;
    }
  }

  private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  /** `<partition> <offset>[ <value>]`; false when the value would break the line format. */
  private static boolean valueLine(StringBuilder out, ConsumerRecord<byte[], byte[]> r) {
    out.append(r.partition()).append(' ').append(r.offset());
    byte[] v = r.value();
    if (v == null) return true;
    String text = new String(v, StandardCharsets.UTF_8);
    if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) return false;
    out.append(' ').append(text);
    return true;
  }

  private static void bytes(StringBuilder out, byte[] b) {
    if (b == null) out.append("null");
    else out.append('"').append(B64.encodeToString(b)).append('"');
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
