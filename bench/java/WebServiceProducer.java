// Workload 6 ("web service") for Java's KafkaProducer: TASKS threads, each sending one record
// with producer.send(record).get() and waiting for it before the next, as request handlers do.
// Compiled by bench/run.ts with javac against the Kafka jars it runs ProducerPerformance from.
//
//   java -cp <kafka libs>:<classes> WebServiceProducer TASKS RECORDS RECORD_SIZE TOPIC key=value...
//
// Prints one "BENCH_RESULT {json}" line, as the Node and Go runners do (bench/contenders/common.ts).

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class WebServiceProducer {
  /** Log-linear histogram of microseconds, as in common.ts: 128 sub-buckets per power of two. */
  static final class Histogram {
    static final int SUB = 128;
    final AtomicLongArray counts = new AtomicLongArray(64 * SUB);
    final AtomicLong count = new AtomicLong();
    final AtomicLong sumNs = new AtomicLong();
    final AtomicLong maxNs = new AtomicLong();

    static int index(long us) {
      if (us < SUB) return (int) us;
      int exp = (63 - Long.numberOfLeadingZeros(us)) - 6;
      int sub = (int) (us >> exp) - SUB / 2;
      return SUB + (exp - 1) * (SUB / 2) + sub;
    }

    static double value(int index) {
      if (index < SUB) return index;
      int i = index - SUB;
      int exp = i / (SUB / 2) + 1;
      int sub = i % (SUB / 2) + SUB / 2;
      return (sub + 0.5) * Math.pow(2, exp);
    }

    void record(long ns) {
      count.incrementAndGet();
      sumNs.addAndGet(ns);
      maxNs.accumulateAndGet(ns, Math::max);
      counts.incrementAndGet(index(Math.round(ns / 1000.0)));
    }

    double percentileMs(double p) {
      long n = count.get();
      if (n == 0) return 0;
      double target = Math.ceil(p / 100 * n);
      long seen = 0;
      for (int i = 0; i < counts.length(); i++) {
        seen += counts.get(i);
        if (seen >= target) return Math.min(maxNs.get() / 1e6, value(i) / 1000);
      }
      return maxNs.get() / 1e6;
    }
  }

  static String r2(double v) {
    return String.valueOf(Math.round(v * 100) / 100.0);
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }

  public static void main(String[] args) throws Exception {
    int tasks = Integer.parseInt(args[0]);
    long numRecords = Long.parseLong(args[1]);
    int recordSize = Integer.parseInt(args[2]);
    String topic = args[3];
    Properties props = new Properties();
    List<String> shown = new ArrayList<>();
    for (String kv : Arrays.copyOfRange(args, 4, args.length)) {
      int eq = kv.indexOf('=');
      props.put(kv.substring(0, eq), kv.substring(eq + 1));
      if (!kv.startsWith("bootstrap")) shown.add(quote(kv));
    }
    String settings =
        "{\"api\":"
            + quote(tasks + " threads, each: producer.send(record).get(), one at a time")
            + ",\"jvm\":\"-Xmx512M\",\"producerProps\":["
            + String.join(",", shown)
            + "]}";
    byte[] value = new byte[recordSize];
    // Random uppercase letters, made once, as ProducerPerformance's payload.
    java.util.Random random = new java.util.Random();
    for (int i = 0; i < recordSize; i++) value[i] = (byte) (random.nextInt(26) + 65);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      // Warm metadata and connections outside the measured part (the harness subtracts this record).
      producer.send(new ProducerRecord<>(topic, value)).get();
      Histogram hist = new Histogram();
      AtomicLong next = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicReference<String> firstError = new AtomicReference<>();
      Thread[] threads = new Thread[tasks];
      long start = System.nanoTime();
      for (int t = 0; t < tasks; t++) {
        threads[t] =
            new Thread(
                () -> {
                  while (next.incrementAndGet() <= numRecords) {
                    long sent = System.nanoTime();
                    try {
                      producer.send(new ProducerRecord<>(topic, value)).get();
                      hist.record(System.nanoTime() - sent);
                    } catch (Exception e) {
                      failed.incrementAndGet();
                      firstError.compareAndSet(null, String.valueOf(e.getCause() != null ? e.getCause() : e));
                    }
                  }
                });
        threads[t].start();
      }
      for (Thread t : threads) t.join();
      double secs = (System.nanoTime() - start) / 1e9;
      long f = failed.get();
      StringBuilder out = new StringBuilder("BENCH_RESULT {");
      out.append("\"ok\":").append(f == 0);
      if (f > 0) out.append(",\"error\":").append(quote(f + " records failed; first: " + firstError.get()));
      out.append(",\"records\":").append(numRecords);
      out.append(",\"seconds\":").append(Math.round(secs * 1000) / 1000.0);
      out.append(",\"recordsPerSec\":").append(Math.round(numRecords / secs));
      out.append(",\"mbPerSec\":").append(r2(numRecords * (double) recordSize / secs / 1048576));
      long n = Math.max(1, hist.count.get());
      out.append(",\"latencyMs\":{\"avg\":").append(r2(hist.sumNs.get() / 1e6 / n));
      out.append(",\"p50\":").append(r2(hist.percentileMs(50)));
      out.append(",\"p99\":").append(r2(hist.percentileMs(99)));
      out.append(",\"p999\":").append(r2(hist.percentileMs(99.9)));
      out.append(",\"max\":").append(r2(hist.maxNs.get() / 1e6)).append('}');
      out.append(",\"failed\":").append(f);
      out.append(",\"warmupRecords\":1");
      out.append(",\"settings\":").append(settings).append('}');
      System.out.println(out);
    }
  }
}
