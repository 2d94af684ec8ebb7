import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Prints a consumer group's committed offsets as Kafka's own Admin client reads them, one line
 * per partition: "<topic> <partition> <offset>", sorted. Nothing for a group with no offsets.
 *
 * Usage: GroupOffsets <bootstrap> <groupId>
 */
public class GroupOffsets {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(args[1]).partitionsToOffsetAndMetadata().get();
      Map<String, Long> sorted = new TreeMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (e.getValue() == null) continue;
        sorted.put(e.getKey().topic() + " " + e.getKey().partition(), e.getValue().offset());
      }
      StringBuilder out = new StringBuilder();
      for (Map.Entry<String, Long> e : sorted.entrySet()) out.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
      System.out.print(out);
    }
  }
}
