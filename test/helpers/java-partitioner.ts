/**
 * The partitions Kafka's own Java partitioner (`BuiltInPartitioner.partitionForKey`) picks for
 * serialized keys; the independent side of partitioning tests.
 */
import { runJava } from './java.js'

function keysInput(keys: readonly Uint8Array[]): string {
  let input = ''
  for (const k of keys) input += `${Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('base64')}\n`
  return input
}

function lines(stdout: string, expected: number): string[] {
  const out = stdout.split('\n').filter((l) => l.length > 0)
  if (out.length !== expected)
    throw new Error(`JavaPartitioner printed ${out.length} lines for ${expected} keys`)
  return out
}

/** For each key, the partition the Java client would choose among `numPartitions`. */
export async function javaPartitionsForKeys(keys: Uint8Array[], numPartitions: number): Promise<number[]> {
  const { stdout } = await runJava('JavaPartitioner.java', [String(numPartitions)], keysInput(keys))
  return lines(stdout, keys.length).map(Number)
}

/** For each key, Kafka's `Utils.murmur2` and the chosen partition among `numPartitions`. */
export async function javaMurmur2ForKeys(
  keys: Uint8Array[],
  numPartitions: number,
): Promise<{ murmur2: number; partition: number }[]> {
  const { stdout } = await runJava('JavaPartitioner.java', [String(numPartitions), 'hash'], keysInput(keys))
  return lines(stdout, keys.length).map((l) => {
    const [h, p] = l.split(' ')
    return { murmur2: Number(h), partition: Number(p) }
  })
}

/**
 * A key before serialization, as JavaPartitioner.java's "typed" mode reads it: Kafka's own
 * serializer for the kind (ByteArray, String, Integer, Long) makes its bytes on the Java side.
 */
export type TypedKey =
  | { kind: 'bytes'; key: Uint8Array }
  | { kind: 'string'; key: string }
  | { kind: 'int'; key: number }
  | { kind: 'long'; key: bigint | number }

function typedLine(k: TypedKey): string {
  switch (k.kind) {
    case 'bytes':
      return `b ${Buffer.from(k.key.buffer, k.key.byteOffset, k.key.byteLength).toString('base64')}`
    case 'string': {
      // UTF-16 code units, so Java sees the same string whatever it holds.
      const units = Buffer.alloc(k.key.length * 2)
      for (let i = 0; i < k.key.length; i++) units.writeUInt16BE(k.key.charCodeAt(i), i * 2)
      return `s ${units.toString('base64')}`
    }
    case 'int':
      return `i ${k.key}`
    case 'long':
      return `l ${k.key}`
  }
}

/** For each key, serialized by Kafka's serializer for its kind, the partition among each of `counts`. */
export async function javaPartitionsForTypedKeys(
  keys: readonly TypedKey[],
  counts: readonly number[],
): Promise<number[][]> {
  const input = `${keys.map(typedLine).join('\n')}\n`
  const { stdout } = await runJava('JavaPartitioner.java', ['typed', ...counts.map(String)], input)
  return lines(stdout, keys.length).map((l) => l.split(' ').map(Number))
}
