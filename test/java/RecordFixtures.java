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
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
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
 * Usage: java -cp <kafka libs>/* RecordFixtures.java build <none|gzip|snappy|lz4|zstd>
 *   reads one batch per line on stdin as JSON ({producerId: "<long>", producerEpoch, baseSequence,
 *   transactional, records: [{timestamp, key, value, headers: [{key, value}]}]}, bytes in base64)
 *   and prints, per line, the base64 of the batch the Java producer's MemoryRecordsBuilder writes
 *   for it with that codec at its default level (built as RecordAccumulator and ProducerBatch do).
 * Usage: java -cp <kafka libs>/* RecordFixtures.java read
 *   reads one base64 record set per line, checks each batch (ensureValid: CRC and sizes) and
 *   prints one JSON line per record set: its batches' header fields and decompressed records.
 */
public class RecordFixtures {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "crc" -> crc();
            case "batches" -> batches();
            case "build" -> build(args[1]);
            case "read" -> read();
            default -> throw new IllegalArgumentException("usage: RecordFixtures.java crc|batches|build <codec>|read");
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

    static void putHeaders(ObjectNode record, Header[] headers) {
        ArrayNode hs = record.putArray("headers");
        for (Header h : headers) {
            ObjectNode hn = hs.addObject();
            hn.put("key", h.key());
            hn.put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()));
        }
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
                putHeaders(rn, r.headers());
            }
            node.put("hex", HexFormat.of().formatHex(bytes));
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        System.out.println(mapper.writeValueAsString(root));
    }

    static byte[] bytesOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
    }

    static void build(String codec) throws Exception {
        Compression compression = Compression.of(CompressionType.forName(codec)).build();
        ObjectMapper mapper = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            JsonNode c = mapper.readTree(line);
            // RecordAccumulator: MemoryRecords.builder(buffer, CURRENT_MAGIC_VALUE, compression, CREATE_TIME, 0L)
            MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE,
                compression, TimestampType.CREATE_TIME, 0L);
            for (JsonNode r : c.get("records")) {
                List<Header> headers = new ArrayList<>();
                for (JsonNode h : r.get("headers")) headers.add(new RecordHeader(h.get("key").asText(), bytesOrNull(h.get("value"))));
                b.append(r.get("timestamp").asLong(), bytesOrNull(r.get("key")), bytesOrNull(r.get("value")),
                    headers.toArray(new Header[0]));
            }
            // ProducerBatch.setProducerState when the Sender drains it, then close().
            b.setProducerState(Long.parseLong(c.get("producerId").asText()), (short) c.get("producerEpoch").asInt(),
                c.get("baseSequence").asInt(), c.get("transactional").asBoolean());
            b.close();
            out.append(b64(b.build().buffer())).append('\n');
        }
        System.out.print(out);
    }

    static void read() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(Base64.getDecoder().decode(line.trim())));
            ArrayNode batches = NODES.arrayNode();
            for (RecordBatch batch : records.batches()) {
                batch.ensureValid();
                ObjectNode bn = batches.addObject();
                bn.put("baseOffset", Long.toString(batch.baseOffset()));
                bn.put("partitionLeaderEpoch", batch.partitionLeaderEpoch());
                bn.put("magic", batch.magic());
                bn.put("compression", batch.compressionType().name);
                bn.put("timestampType", batch.timestampType().name);
                bn.put("transactional", batch.isTransactional());
                bn.put("control", batch.isControlBatch());
                bn.put("producerId", Long.toString(batch.producerId()));
                bn.put("producerEpoch", batch.producerEpoch());
                bn.put("baseSequence", batch.baseSequence());
                bn.put("lastOffsetDelta", (int) (batch.lastOffset() - batch.baseOffset()));
                bn.put("baseTimestamp", ((DefaultRecordBatch) batch).baseTimestamp());
                bn.put("maxTimestamp", batch.maxTimestamp());
                bn.put("count", batch.countOrNull());
                ArrayNode recs = bn.putArray("records");
                for (Record r : batch) {
                    r.ensureValid();
                    ObjectNode rn = recs.addObject();
                    rn.put("offset", r.offset());
                    rn.put("timestamp", r.timestamp());
                    rn.put("key", b64(r.key()));
                    rn.put("value", b64(r.value()));
                    putHeaders(rn, r.headers());
                }
            }
            out.append(mapper.writeValueAsString(batches)).append('\n');
        }
        System.out.print(out);
    }
}
