/**
 * kafkajs's partitioners, choosing the same partition as kafkajs 2.2.4 for the same message:
 *
 * - an explicit `partition` wins;
 * - a key (a Buffer as is, anything else as the UTF-8 of String(key)) goes to
 *   `(hash(key) & 0x7fffffff) % partitionCount`;
 * - without a key, round-robin over the partitions that have a leader, from a random start per
 *   topic (kafkajs's counter starts at a random 32-bit number).
 *
 * DefaultPartitioner (also JavaCompatiblePartitioner) hashes with Kafka's murmur2, the Java
 * client's partition. LegacyPartitioner (kafkajs 1.x's default) hashes with kafkajs's own variant,
 * which computes in JavaScript doubles: products above 2^53 lose bits and the loop runs over a
 * fractional length / 4, so it reads up to three bytes past the end as zeros and agrees with
 * murmur2 only on some keys. legacyMurmur2 does the same arithmetic on purpose.
 */
import { randomBytes } from 'node:crypto'
import { murmur2 } from '../protocol/murmur2.js'

/** A partition as kafkajs's partitioners see it (kafkajs's PartitionMetadata). */
export interface PartitionMetadata {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas?: number[]
}

/** A message as given to send(). */
export interface Message {
  key?: Buffer | string | null | undefined
  value: Buffer | string | null
  partition?: number | undefined
  headers?: IHeaders | undefined
  /** Epoch milliseconds as a string (kafkajs's type); a number is taken too. */
  timestamp?: string | undefined
}

export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined
}

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: Message
}

/** kafkajs's `createPartitioner` option: called once per producer. */
export type ICustomPartitioner = () => (args: PartitionerArgs) => number

const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

/** kafkajs's LegacyPartitioner hash, with its double arithmetic (see the file comment). */
export function legacyMurmur2(key: unknown): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const length = data.length
  const byte = (i: number): number => (data[i] ?? 0) & 0xff
  let h = SEED ^ length
  const length4 = length / 4 // not floored: a partial last word is read too, zero-padded
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = byte(i4) + (byte(i4 + 1) << 8) + (byte(i4 + 2) << 16) + (byte(i4 + 3) << 24)
    k *= M
    k ^= k >>> R
    k *= M
    h *= M
    h ^= k
  }
  const rest = length % 4
  const tail = length & ~3
  if (rest === 3) h ^= byte(tail + 2) << 16
  if (rest >= 2) h ^= byte(tail + 1) << 8
  if (rest >= 1) {
    h ^= byte(tail)
    h *= M
  }
  h ^= h >>> 13
  h *= M
  h ^= h >>> 15
  return h
}

/** kafkajs's DefaultPartitioner hash: Kafka's murmur2 of the key's bytes. */
export function javaMurmur2(key: unknown): number {
  return murmur2(Buffer.isBuffer(key) ? key : Buffer.from(String(key)))
}

const toPositive = (x: number): number => x & 0x7fffffff

function partitionerWith(hash: (key: unknown) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>()
    return ({ topic, partitionMetadata, message }) => {
      let counter = counters.get(topic)
      if (counter === undefined) counter = randomBytes(4).readUInt32BE(0)
      if (message.partition !== null && message.partition !== undefined) {
        counters.set(topic, counter)
        return message.partition
      }
      const count = partitionMetadata.length
      if (message.key !== null && message.key !== undefined) {
        counters.set(topic, counter)
        return toPositive(hash(message.key)) % count
      }
      counters.set(topic, ++counter)
      const available = partitionMetadata.filter((p) => p.leader >= 0)
      // No partition has a leader: kafkajs then gives one without.
      if (available.length === 0) return toPositive(counter) % count
      return (available[toPositive(counter) % available.length] as PartitionMetadata).partitionId
    }
  }
}

export const DefaultPartitioner: ICustomPartitioner = partitionerWith(javaMurmur2)
export const LegacyPartitioner: ICustomPartitioner = partitionerWith(legacyMurmur2)

export const Partitioners = {
  DefaultPartitioner,
  LegacyPartitioner,
  /** @deprecated kafkajs's old name of DefaultPartitioner. */
  JavaCompatiblePartitioner: DefaultPartitioner,
}
