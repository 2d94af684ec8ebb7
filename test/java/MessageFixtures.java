/*
 * Golden byte fixtures for Sluice's protocol codec, written by Kafka's own generated message
 * classes. For every version of every message named below, two samples are built from Kafka's
 * JSON message spec (read from the kafka-clients jar): "values" sets every field of that version
 * (tagged ones included) to a non-default value, "nulls" does the same but makes every nullable
 * field null. Each sample is turned into a message object by Kafka's JsonConverter, serialized by
 * the message class, and framed with Kafka's RequestHeader/ResponseHeader.
 *
 * Usage: java -cp <kafka libs>/* MessageFixtures.java <output dir>
 * Writes <output dir>/<MessageName>.json: { name, apiKey, samples: [{ version, variant,
 * correlationId, clientId (requests), body (hex), frame (hex, header + body, no size prefix),
 * values (the message as Kafka's JsonConverter writes it, int64 values as strings) }] }.
 */
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

public class MessageFixtures {
  static final String[] MESSAGES = {
    "ApiVersions", "Metadata", "Produce", "InitProducerId", "CreateTopics",
    "FindCoordinator", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit",
    "SaslHandshake", "SaslAuthenticate",
  };
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  /** Makes every generated value distinct, and the same on every run. */
  static int counter;
  static Map<String, JsonNode> commonStructs;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    for (String api : MESSAGES) {
      for (String kind : new String[] {"Request", "Response"}) {
        String name = api + kind;
        Files.writeString(out.resolve(name + ".json"), MAPPER.writeValueAsString(fixture(name)) + "\n");
      }
    }
  }

  static ObjectNode fixture(String name) throws Exception {
    JsonNode spec;
    try (InputStream in = MessageFixtures.class.getClassLoader().getResourceAsStream("common/message/" + name + ".json")) {
      spec = MAPPER.readTree(in);
    }
    commonStructs = new HashMap<>();
    for (JsonNode s : spec.path("commonStructs")) commonStructs.put(s.get("name").asText(), s.get("fields"));
    boolean request = name.endsWith("Request");
    int apiKey = spec.get("apiKey").asInt();
    ApiKeys keys = ApiKeys.forId(apiKey);
    int[] valid = range(spec.get("validVersions").asText());
    Class<?> dataClass = Class.forName("org.apache.kafka.common.message." + name + "Data");
    Class<?> converter = Class.forName("org.apache.kafka.common.message." + name + "DataJsonConverter");
    ObjectNode result = NODES.objectNode();
    result.put("name", name);
    result.put("apiKey", apiKey);
    ArrayNode samples = result.putArray("samples");
    counter = 0;
    for (int v = valid[0]; v <= valid[1]; v++) {
      short version = (short) v;
      for (String variant : new String[] {"values", "nulls"}) {
        boolean nulls = variant.equals("nulls");
        ObjectNode input = struct(spec.get("fields"), version, nulls);
        Message message = (Message) converter.getMethod("read", JsonNode.class, short.class).invoke(null, input, version);
        int correlationId = 1000 + counter++;
        ObjectNode sample = samples.addObject();
        sample.put("version", v);
        sample.put("variant", variant);
        sample.put("correlationId", correlationId);
        Message header;
        short headerVersion;
        if (request) {
          String clientId = nulls ? null : "client-" + v + "-\u00e9";
          RequestHeader h = new RequestHeader(keys, version, clientId, correlationId);
          header = h.data();
          headerVersion = h.headerVersion();
          sample.put("clientId", clientId);
        } else {
          ResponseHeader h = new ResponseHeader(correlationId, keys.responseHeaderVersion(version));
          header = h.data();
          headerVersion = h.headerVersion();
        }
        sample.put("headerVersion", headerVersion);
        sample.put("body", hex(serialize(message, version)));
        ByteBuffer headerBytes = serialize(header, headerVersion);
        sample.put("frame", hex(headerBytes) + hex(serialize(message, version)));
        JsonNode written = (JsonNode) converter.getMethod("write", dataClass, short.class).invoke(null, message, version);
        sample.set("values", longsAsStrings(withRecords(written, input)));
      }
    }
    return result;
  }

  static ByteBuffer serialize(Message message, short version) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ByteBuffer buf = ByteBuffer.allocate(message.size(cache, version));
    message.write(new ByteBufferAccessor(buf), cache, version);
    buf.flip();
    return buf;
  }

  static ObjectNode struct(JsonNode fields, short version, boolean nulls) {
    ObjectNode node = NODES.objectNode();
    for (JsonNode f : fields) {
      if (!in(f.path("versions").asText("none"), version)) continue;
      String name = f.get("name").asText();
      name = Character.toLowerCase(name.charAt(0)) + name.substring(1);
      boolean nullable = in(f.path("nullableVersions").asText("none"), version);
      if (nulls && nullable) {
        node.putNull(name);
        continue;
      }
      node.set(name, value(f, f.get("type").asText(), version, nulls));
    }
    return node;
  }

  static JsonNode value(JsonNode f, String type, short version, boolean nulls) {
    if (type.startsWith("[]")) {
      ArrayNode arr = NODES.arrayNode();
      for (int i = 0; i < 2; i++) arr.add(value(f, type.substring(2), version, nulls));
      return arr;
    }
    int n = ++counter;
    String dflt = f.path("default").asText("");
    switch (type) {
      case "int8": return NODES.numberNode((byte) (n % 2 == 0 ? n % 100 + 1 : -(n % 100) - 2));
      case "int16": return NODES.numberNode((short) (n % 2 == 0 ? 1000 + n : -1000 - n));
      case "uint16": return NODES.numberNode(40000 + n);
      case "int32": return NODES.numberNode(n % 2 == 0 ? 100000 + n : -100000 - n);
      case "uint32": return NODES.numberNode(3000000000L + n);
      // Beyond 2^53, so a decoder that goes through a double is caught.
      case "int64": return NODES.numberNode(n % 2 == 0 ? 9007199254740993L + n : -9007199254740993L - n);
      case "float64": return NODES.numberNode(n + 0.25);
      case "bool": return NODES.booleanNode(!dflt.equals("true"));
      case "string": return TextNode.valueOf("s" + n + "-\u00e9\u20ac");
      case "uuid": return TextNode.valueOf(new Uuid(0x0102030405060708L * n, 0x1112131415161718L + n).toString());
      case "bytes":
      case "records": {
        byte[] b = new byte[5 + n % 7];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (n * 31 + i * 7);
        return BinaryNode.valueOf(b);
      }
      default: {
        JsonNode fields = f.has("fields") ? f.get("fields") : commonStructs.get(type);
        if (fields == null) throw new IllegalStateException("unknown type " + type);
        return struct(fields, version, nulls);
      }
    }
  }

  /**
   * The JsonConverter writes a records field as a placeholder, not its bytes: take those from
   * the input (the body's hex shows what was actually serialized).
   */
  static JsonNode withRecords(JsonNode written, JsonNode input) {
    if (written.isBinary() && input != null && input.isBinary()) return input;
    if (written.isArray()) {
      ArrayNode arr = NODES.arrayNode();
      for (int i = 0; i < written.size(); i++) arr.add(withRecords(written.get(i), input == null ? null : input.get(i)));
      return arr;
    }
    if (written.isObject()) {
      ObjectNode obj = NODES.objectNode();
      for (Map.Entry<String, JsonNode> e : written.properties()) {
        obj.set(e.getKey(), withRecords(e.getValue(), input == null ? null : input.get(e.getKey())));
      }
      return obj;
    }
    return written;
  }

  /** int64 values as strings, so JavaScript's JSON.parse keeps them exact. */
  static JsonNode longsAsStrings(JsonNode node) {
    if (node.isLong()) return TextNode.valueOf(Long.toString(node.longValue()));
    if (node.isBinary()) return node;
    if (node.isArray()) {
      ArrayNode arr = NODES.arrayNode();
      for (JsonNode e : node) arr.add(longsAsStrings(e));
      return arr;
    }
    if (node.isObject()) {
      ObjectNode obj = NODES.objectNode();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        obj.set(e.getKey(), longsAsStrings(e.getValue()));
      }
      return obj;
    }
    return node;
  }

  static int[] range(String s) {
    if (s.equals("none")) return new int[] {1, 0};
    if (s.endsWith("+")) return new int[] {Integer.parseInt(s.substring(0, s.length() - 1)), Short.MAX_VALUE};
    int dash = s.indexOf('-');
    if (dash < 0) return new int[] {Integer.parseInt(s), Integer.parseInt(s)};
    return new int[] {Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1))};
  }

  static boolean in(String s, short version) {
    int[] r = range(s);
    return version >= r[0] && version <= r[1];
  }

  static String hex(ByteBuffer buf) {
    StringBuilder sb = new StringBuilder();
    ByteBuffer b = buf.duplicate();
    while (b.hasRemaining()) sb.append(String.format("%02x", b.get() & 0xff));
    return sb.toString();
  }
}
