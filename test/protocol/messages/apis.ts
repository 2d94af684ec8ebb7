/** The APIs whose definitions are checked against Kafka's specs and fixtures. */
import type { ApiDescriptor } from '../../../src/protocol/codec.js'
import { AddOffsetsToTxn } from '../../../src/protocol/messages/add-offsets-to-txn.js'
import { AddPartitionsToTxn } from '../../../src/protocol/messages/add-partitions-to-txn.js'
import { ApiVersions } from '../../../src/protocol/messages/api-versions.js'
import { CreateTopics } from '../../../src/protocol/messages/create-topics.js'
import { EndTxn } from '../../../src/protocol/messages/end-txn.js'
import { FindCoordinator } from '../../../src/protocol/messages/find-coordinator.js'
import { InitProducerId } from '../../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../../src/protocol/messages/metadata.js'
import { Produce } from '../../../src/protocol/messages/produce.js'
import { TxnOffsetCommit } from '../../../src/protocol/messages/txn-offset-commit.js'

export const APIS: ApiDescriptor<unknown, unknown>[] = [
  ApiVersions,
  Metadata,
  Produce,
  InitProducerId,
  CreateTopics,
  FindCoordinator,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  TxnOffsetCommit,
] as ApiDescriptor<unknown, unknown>[]
