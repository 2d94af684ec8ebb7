import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.common.utils.internals.Crc32C;

/**
 * Kafka's own record classes as the reference for Sluice's records code.
 *
 * Usage: java -cp <kafka libs>/* RecordFixtures.java crc
 *   reads one base64 buffer per line on stdin, prints Kafka's Crc32C of each (unsigned decimal).
 */
public class RecordFixtures {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "crc" -> crc();
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
}
