import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Prints Kafka's error table, one line per entry of Errors.values():
 * "<code> <NAME> <retriable>", where retriable is whether the entry's exception is a
 * RetriableException (the test for the Java producer retrying it). NONE has no exception.
 *
 * Usage: java -cp <kafka libs>/* ErrorTable.java
 */
public class ErrorTable {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        for (Errors e : Errors.values()) {
            boolean retriable = e.exception() instanceof RetriableException;
            out.append(e.code()).append(' ').append(e.name()).append(' ').append(retriable).append('\n');
        }
        System.out.print(out);
    }
}
