/** The public types of the transactional API (`sendOffsetsToTransaction`). */

/** One partition's offset for `sendOffsetsToTransaction()`. */
export interface OffsetToCommit {
  topic: string
  partition: number
  /** The offset of the next record the consumer will read. */
  offset: bigint | number
  metadata?: string | null
  leaderEpoch?: number
}

/** The consumer group the offsets belong to (a consumer's `groupMetadata()`), or just its id. */
export interface ConsumerGroupMetadata {
  groupId: string
  generationId?: number
  memberId?: string
  groupInstanceId?: string | null
}
