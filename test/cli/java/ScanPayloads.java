import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Scanner;

/**
 * How Kafka's ProducerPerformance (4.x) splits a --payload-file: java.util.Scanner with the
 * delimiter as a regular expression. Each stdin line is "base64(text) base64(delimiter)"; each
 * output line lists the payloads, base64 each, separated by spaces ("-" for none).
 */
public class ScanPayloads {
    public static void main(String[] args) throws Exception {
        Base64.Decoder dec = Base64.getDecoder();
        Base64.Encoder enc = Base64.getEncoder();
        try (Scanner lines = new Scanner(System.in, StandardCharsets.UTF_8)) {
            while (lines.hasNextLine()) {
                String[] parts = lines.nextLine().split(" ");
                String text = new String(dec.decode(parts[0]), StandardCharsets.UTF_8);
                String delimiter = new String(dec.decode(parts[1]), StandardCharsets.UTF_8);
                List<String> out = new ArrayList<>();
                try (Scanner s = new Scanner(text)) {
                    s.useDelimiter(delimiter);
                    while (s.hasNext()) out.add(enc.encodeToString(s.next().getBytes(StandardCharsets.UTF_8)));
                }
                System.out.println(out.isEmpty() ? "-" : String.join(" ", out));
            }
        }
    }
}
