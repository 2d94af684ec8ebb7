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
