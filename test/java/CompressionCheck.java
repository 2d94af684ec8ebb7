/*
 * Kafka's own compression codecs, for checking Sluice's. Reads one case per line on stdin and
 * writes one answer line per case:
 *
 *   decompress <type> <base64>        -> "ok <length> <sha-256 hex>" of what Kafka's
 *                                        Compression.wrapForInput (magic v2) reads, or "error <message>"
 *   compress <type> <level|-> <base64> -> "ok <base64>" of what Kafka's Compression.wrapForOutput
 *                                        (magic v2) writes, at that level or Kafka's default
 *   xxhash32 <base64>                  -> "ok <unsigned hash>" by lz4-java's XXHash32, seed 0
 *
 * Usage: java -cp <kafka libs>/* CompressionCheck.java < cases
 */
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

public class CompressionCheck {
  static final byte MAGIC_V2 = 2;

  static Compression build(String type, String level) {
    CompressionType t = CompressionType.forName(type);
    if (level.equals("-")) return Compression.of(t).build();
    int l = Integer.parseInt(level);
    switch (t) {
      case GZIP: return Compression.gzip().level(l).build();
      case LZ4: return Compression.lz4().level(l).build();
      case ZSTD: return Compression.zstd().level(l).build();
      default: return Compression.of(t).build();
    }
  }

  static String decompress(String type, byte[] data) throws Exception {
    Compression c = Compression.of(CompressionType.forName(type)).build();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long length = 0;
    try (InputStream in = c.wrapForInput(ByteBuffer.wrap(data), MAGIC_V2, BufferSupplier.NO_CACHING)) {
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf, 0, buf.length)) > 0) {
        sha.update(buf, 0, n);
        length += n;
      }
    }
    return "ok " + length + " " + HexFormat.of().formatHex(sha.digest());
  }

  static String compress(String type, String level, byte[] data) throws Exception {
    ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
    try (OutputStream out = build(type, level).wrapForOutput(buffer, MAGIC_V2)) {
      out.write(data);
    }
    ByteBuffer b = buffer.buffer();
    b.flip();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return "ok " + Base64.getEncoder().encodeToString(bytes);
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String[] f = line.trim().split(" ", -1);
      try {
        if (f[0].equals("xxhash32")) {
          byte[] data = f.length > 1 ? Base64.getDecoder().decode(f[1]) : new byte[0];
          int h = XXHashFactory.fastestInstance().hash32().hash(data, 0, data.length, 0);
          out.append("ok ").append(Integer.toUnsignedString(h));
        } else if (f[0].equals("decompress")) {
          byte[] data = f.length > 2 ? Base64.getDecoder().decode(f[2]) : new byte[0];
          out.append(decompress(f[1], data));
        } else {
          byte[] data = f.length > 3 ? Base64.getDecoder().decode(f[3]) : new byte[0];
          out.append(compress(f[1], f[2], data));
        }
      } catch (Throwable e) {
        out.append("error ").append(String.valueOf(e).replace('\n', ' '));
      }
      out.append('\n');
    }
    System.out.print(out);
  }
}
