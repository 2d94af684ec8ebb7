import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaDeserializer;
import io.apicurio.registry.serde.protobuf.ProtobufKafkaDeserializer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Apicurio Registry's own Java serdes, in their Confluent-compatible mode (magic byte 0, a 4-byte
 * content id), as the independent side of the schema-registry tests.
 *
 *   decode <avro|protobuf|json> <registry v2 url> <topic> <key|value>
 *     reads base64 framed bytes, one per line; prints each value as one line of JSON
 *   encode-avro <registry v2 url> <topic> <key|value> <schema file>
 *     reads Avro JSON encoded values, one per line; prints the bytes Apicurio's serializer writes
 *     (base64), with the subject's latest schema (no registration)
 */
public class RegistryCodec {
  private static Map<String, Object> config(String url) {
    Map<String, Object> c = new HashMap<>();
    c.put("apicurio.registry.url", url);
    c.put("apicurio.registry.as-confluent", "true");
    c.put("apicurio.registry.use-id", "contentId");
    c.put("apicurio.registry.serde.validation-enabled", "true");
    return c;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String mode = args[0];
    if (mode.equals("decode")) {
      String format = args[1];
      String topic = args[3];
      boolean isKey = args[4].equals("key");
      Deserializer d;
      switch (format) {
        case "avro": d = new AvroKafkaDeserializer<>(); break;
        case "protobuf": d = new ProtobufKafkaDeserializer<>(); break;
        case "json": d = new JsonSchemaKafkaDeserializer<>(); break;
        default: throw new IllegalArgumentException("unknown format " + format);
      }
      d.configure(config(args[2]), isKey);
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        Object value = d.deserialize(topic, Base64.getDecoder().decode(line.trim()));
        String out;
        if (value instanceof Message) out = JsonFormat.printer().omittingInsignificantWhitespace().print((Message) value);
        else if (format.equals("avro")) out = GenericData.get().toString(value);
        else out = String.valueOf(value);
        System.out.println(out);
      }
      d.close();
    } else if (mode.equals("encode-avro")) {
      String topic = args[2];
      boolean isKey = args[3].equals("key");
      Schema schema = new Schema.Parser().parse(new java.io.File(args[4]));
      Map<String, Object> c = config(args[1]);
      c.put("apicurio.registry.auto-register", "false");
      c.put("apicurio.registry.find-latest", "true");
      Serializer s = new AvroKafkaSerializer<>();
      s.configure(c, isKey);
      GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        Object record = reader.read(null, DecoderFactory.get().jsonDecoder(schema, line));
        System.out.println(Base64.getEncoder().encodeToString(s.serialize(topic, record)));
      }
      s.close();
    } else {
      throw new IllegalArgumentException("unknown mode " + mode);
    }
  }
}
