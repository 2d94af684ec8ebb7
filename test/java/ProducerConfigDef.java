import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Kafka's own ProducerConfig definitions (ProducerConfig.configDef()), for checking Sluice's.
 *
 * Usage: java -cp <kafka libs>/* ProducerConfigDef.java keys
 *   prints a JSON array, one entry per setting: name, type, hasDefault, default (null; a string
 *   array for LIST; a class name for CLASS; otherwise its toString), validator (class name or
 *   null) and its toString, min and max (of a Range, as strings), validStrings (of a ValidString,
 *   CaseInsensitiveValidString or ValidList) and caseInsensitive.
 * Usage: java -cp <kafka libs>/* ProducerConfigDef.java validate
 *   reads "name<TAB>value" lines and prints "ok" or "error <message>" for each: whether the
 *   setting alone parses as its type and passes its validator (no cross-setting rules).
 */
public class ProducerConfigDef {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "keys" -> keys();
            case "validate" -> validate();
            default -> throw new IllegalArgumentException("usage: ProducerConfigDef.java keys|validate");
        }
    }

    static Object field(Object o, String name) throws Exception {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        return null;
    }

    static void keys() throws Exception {
        ArrayNode out = NODES.arrayNode();
        for (ConfigDef.ConfigKey k : new TreeMap<>(ProducerConfig.configDef().configKeys()).values()) {
            ObjectNode n = out.addObject();
            n.put("name", k.name);
            n.put("type", k.type.name());
            n.put("hasDefault", k.hasDefault());
            Object d = k.hasDefault() ? k.defaultValue : null;
            if (d == null) n.putNull("default");
            else if (d instanceof List<?> list) {
                ArrayNode a = n.putArray("default");
                for (Object x : list) a.add(String.valueOf(x));
            } else if (d instanceof Class<?> c) n.put("default", c.getName());
            else n.put("default", String.valueOf(d));
            ConfigDef.Validator v = k.validator;
            n.put("validator", v == null ? null : v.getClass().getSimpleName());
            n.put("validatorText", v == null ? null : v.toString());
            Object min = v == null ? null : field(v, "min");
            Object max = v == null ? null : field(v, "max");
            n.put("min", min == null ? null : String.valueOf(min));
            n.put("max", max == null ? null : String.valueOf(max));
            Object valid = v == null ? null : field(v, "validStrings");
            if (valid == null && v instanceof ConfigDef.ValidList) {
                Object inner = field(v, "validString");
                valid = inner == null ? null : field(inner, "validStrings");
            }
            if (valid instanceof Collection<?> c) {
                ArrayNode a = n.putArray("validStrings");
                for (Object x : c) a.add(String.valueOf(x));
            } else n.putNull("validStrings");
            n.put("caseInsensitive", v instanceof ConfigDef.CaseInsensitiveValidString);
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }

    static void validate() throws Exception {
        var keys = ProducerConfig.configDef().configKeys();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            ConfigDef.ConfigKey k = keys.get(line.substring(0, tab));
            try {
                Object parsed = ConfigDef.parseType(k.name, line.substring(tab + 1), k.type);
                if (k.validator != null) k.validator.ensureValid(k.name, parsed);
                out.append("ok");
            } catch (Exception e) {
                out.append("error ").append(String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
