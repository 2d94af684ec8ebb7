import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.internals.Crc32C;

/**
 * Kafka's own record classes as the reference for Sluice's records code.
 *
 * Usage: java -cp <kafka libs>/* RecordFixtures.java batches > test/fixtures/records/batches.json
 *   builds RecordBatch v2 samples with MemoryRecords.withRecords (no compression, CreateTime) and
 *   prints each sample's inputs next to the bytes Kafka wrote, as hex. Deterministic.
 * Usage: java -cp <kafka libs>/* RecordFixtures.java crc
 *   reads one base64 buffer per line on stdin, prints Kafka's Crc32C of each (unsigned decimal).
 */
public class RecordFixtures {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "crc" -> crc();
            case "batches" -> batches();
            default -> throw new IllegalArgumentException("usage: RecordFixtures.java crc|batches");
        }
    }

    static void crc() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] data = Base64.getDecoder().decode(line.trim());
            out.append(Crc32C.compute(data, 0, data.length)).append('\n');
        }
        System.out.print(out);
    }

    /** One batch to build: the producer identity in its header and its records. */
    record Sample(String name, long producerId, short producerEpoch, int baseSequence, boolean transactional,
                  int partitionLeaderEpoch, List<SimpleRecord> records) {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Deterministic filler bytes (a 32-bit LCG), so the fixture is the same on every run. */
    static byte[] pattern(int seed, int n) {
        byte[] out = new byte[n];
        int s = seed;
        for (int i = 0; i < n; i++) {
            s = s * 1664525 + 1013904223;
            out[i] = (byte) (s >>> 24);
        }
        return out;
    }

    static Header h(String key, byte[] value) {
        return new RecordHeader(key, value);
    }

    static final long T = 1_700_000_000_123L;

    static List<Sample> samples() {
        List<Sample> out = new ArrayList<>();
        out.add(new Sample("single record", -1L, (short) -1, -1, false, -1,
            List.of(new SimpleRecord(T, utf8("key"), utf8("value")))));

        out.add(new Sample("null and empty keys and values", -1L, (short) -1, -1, false, -1, List.of(
            new SimpleRecord(T, null, utf8("no key")),
            new SimpleRecord(T + 1, utf8("no value"), null),
            new SimpleRecord(T + 2, (byte[]) null, (byte[]) null),
            new SimpleRecord(T + 3, new byte[0], new byte[0]),
            new SimpleRecord(T + 4, utf8("k"), new byte[0]))));

        out.add(new Sample("idempotent, timestamps out of order", 12345L, (short) 3, 42, false, -1, List.of(
            new SimpleRecord(T, utf8("a"), utf8("1")),
            new SimpleRecord(T + 5000, utf8("b"), utf8("2")),
            new SimpleRecord(T - 250, utf8("c"), utf8("3")),
            new SimpleRecord(T + 40L * 24 * 3600 * 1000, utf8("d"), utf8("4")),
            new SimpleRecord(T + 10, utf8("e"), utf8("5")))));

        out.add(new Sample("transactional, large producer id and sequence", (1L << 40) + 7, Short.MAX_VALUE,
            Integer.MAX_VALUE - 10, true, 17, List.of(
                new SimpleRecord(T, utf8("txn-key"), utf8("txn-value")),
                new SimpleRecord(T, utf8("txn-key"), utf8("second")))));

        out.add(new Sample("headers", 7L, (short) 0, 0, false, -1, List.of(
            new SimpleRecord(T, utf8("k1"), utf8("v1"), new Header[] {
                h("trace-id", utf8("abc-123")),
                h("null-value", null),
                h("empty-value", new byte[0]),
                h("dup", utf8("first")),
                h("dup", utf8("second")),
                h("", utf8("empty key")),
            }),
            new SimpleRecord(T + 1, null, utf8("headers only"), new Header[] {
                h("ключ-🔑", utf8("значение ✓")),
                h("bin", pattern(5, 100)),
            }),
            new SimpleRecord(T + 2, utf8("k3"), null, new Header[0]))));

        out.add(new Sample("unicode keys and values", -1L, (short) -1, -1, false, -1, List.of(
            new SimpleRecord(T, utf8("café"), utf8("naïve façade")),
            new SimpleRecord(T, utf8("键"), utf8("值 🔑 ✓ \u0000 end")))));

        out.add(new Sample("varint length boundaries and a few KiB value", 99L, (short) 1, 1000, false, 5, List.of(
            new SimpleRecord(T, pattern(1, 63), pattern(2, 64)),
            new SimpleRecord(T + 1, pattern(3, 8191), pattern(4, 8192)),
            new SimpleRecord(T + 2, utf8("big"), pattern(6, 5000)))));

        List<SimpleRecord> many = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            many.add(new SimpleRecord(T + i * 37L, i % 3 == 0 ? null : utf8("key-" + i), utf8("value-" + i)));
        }
        out.add(new Sample("150 records", 555L, (short) 9, 100, false, -1, many));

        out.add(new Sample("timestamp zero", -1L, (short) -1, -1, false, -1, List.of(
            new SimpleRecord(0L, utf8("epoch"), utf8("zero")),
            new SimpleRecord(1L, utf8("epoch"), utf8("one")))));
        return out;
    }

    static String b64(ByteBuffer b) {
        if (b == null) return null;
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return Base64.getEncoder().encodeToString(a);
    }

    static void batches() throws Exception {
        ArrayNode root = NODES.arrayNode();
        for (Sample s : samples()) {
            MemoryRecords records = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.NONE,
                TimestampType.CREATE_TIME, s.producerId(), s.producerEpoch(), s.baseSequence(),
                s.partitionLeaderEpoch(), s.transactional(), s.records().toArray(new SimpleRecord[0]));
            ByteBuffer buf = records.buffer();
            byte[] bytes = new byte[buf.remaining()];
            buf.duplicate().get(bytes);

            ObjectNode node = root.addObject();
            node.put("name", s.name());
            node.put("producerId", Long.toString(s.producerId()));
            node.put("producerEpoch", s.producerEpoch());
            node.put("baseSequence", s.baseSequence());
            node.put("transactional", s.transactional());
            node.put("partitionLeaderEpoch", s.partitionLeaderEpoch());
            ArrayNode recs = node.putArray("records");
            for (SimpleRecord r : s.records()) {
                ObjectNode rn = recs.addObject();
                rn.put("timestamp", r.timestamp());
                rn.put("key", b64(r.key()));
                rn.put("value", b64(r.value()));
                ArrayNode hs = rn.putArray("headers");
                for (Header h : r.headers()) {
                    ObjectNode hn = hs.addObject();
                    hn.put("key", h.key());
                    hn.put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()));
                }
            }
            node.put("hex", HexFormat.of().formatHex(bytes));
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        System.out.println(mapper.writeValueAsString(root));
    }
}
