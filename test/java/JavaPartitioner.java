import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads one base64 key per line on stdin and prints, one per line, the partition Kafka's
 * BuiltInPartitioner.partitionForKey picks for it among args[0] partitions. With a second
 * argument "hash" it prints "murmur2 partition" instead.
 *
 * With args "typed N1 N2 ...": each stdin line is "<kind> <payload>", a key before
 * serialization, which Kafka's own serializer for that kind turns into bytes:
 *   b <base64>                       byte[] as is (ByteArraySerializer)
 *   s <base64 of UTF-16BE code units> StringSerializer (UTF-8)
 *   i <decimal>                      IntegerSerializer
 *   l <decimal>                      LongSerializer
 * and prints the partitions among N1, N2, ... partitions, space-separated, one line per key.
 */
public class JavaPartitioner {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("typed")) {
            typed(args);
            return;
        }
        int numPartitions = Integer.parseInt(args[0]);
        boolean withHash = args.length > 1 && args[1].equals("hash");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] key = Base64.getDecoder().decode(line.trim());
            int partition = BuiltInPartitioner.partitionForKey(key, numPartitions);
            if (withHash) out.append(org.apache.kafka.common.utils.Utils.murmur2(key)).append(' ');
            out.append(partition).append('\n');
        }
        System.out.print(out);
    }

    static byte[] serialize(String kind, String payload) {
        switch (kind) {
            case "b":
                return Base64.getDecoder().decode(payload);
            case "s": {
                byte[] units = Base64.getDecoder().decode(payload);
                char[] chars = new char[units.length / 2];
                for (int i = 0; i < chars.length; i++) {
                    chars[i] = (char) (((units[2 * i] & 0xff) << 8) | (units[2 * i + 1] & 0xff));
                }
                return new StringSerializer().serialize("t", new String(chars));
            }
            case "i":
                return new IntegerSerializer().serialize("t", Integer.parseInt(payload));
            case "l":
                return new LongSerializer().serialize("t", Long.parseLong(payload));
            default:
                throw new IllegalArgumentException("unknown key kind " + kind);
        }
    }

    static void typed(String[] args) throws Exception {
        int[] counts = new int[args.length - 1];
        for (int i = 1; i < args.length; i++) counts[i - 1] = Integer.parseInt(args[i]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            int space = line.indexOf(' ');
            byte[] key = serialize(line.substring(0, space), line.substring(space + 1));
            for (int i = 0; i < counts.length; i++) {
                if (i > 0) out.append(' ');
                out.append(BuiltInPartitioner.partitionForKey(key, counts[i]));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
