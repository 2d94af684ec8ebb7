/**
 * Strings in UTF-8 as Java's `String.getBytes(UTF_8)` (Kafka's StringSerializer) writes them: a
 * lone surrogate becomes `?`, where Node's encoder writes U+FFFD. A key with one then lands on
 * the partition the Java client picks, and a reader gets the bytes it would get from Java.
 * Well-formed strings (every one-byte string among them, checked in O(1)) pass unchanged.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function javaString(s: string): string {
  return s.isWellFormed() ? s : s.replace(LONE_SURROGATE, '?')
}

export function javaUtf8(s: string): Buffer {
  return Buffer.from(javaString(s), 'utf8')
}
