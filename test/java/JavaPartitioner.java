import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * Reads one base64 key per line on stdin and prints, one per line, the partition Kafka's
 * BuiltInPartitioner.partitionForKey picks for it among args[0] partitions. With a second
 * argument "hash" it prints "murmur2 partition" instead.
 */
public class JavaPartitioner {
    public static void main(String[] args) throws Exception {
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
}
