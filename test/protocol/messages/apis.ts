/** The APIs whose definitions are checked against Kafka's specs and fixtures. */
import type { ApiDescriptor } from '../../../src/protocol/codec.js'
import { ApiVersions } from '../../../src/protocol/messages/api-versions.js'
import { CreateTopics } from '../../../src/protocol/messages/create-topics.js'
import { InitProducerId } from '../../../src/protocol/messages/init-producer-id.js'
import { Metadata } from '../../../src/protocol/messages/metadata.js'
import { Produce } from '../../../src/protocol/messages/produce.js'

export const APIS: ApiDescriptor<unknown, unknown>[] = [
  ApiVersions,
  Metadata,
  Produce,
  InitProducerId,
  CreateTopics,
] as ApiDescriptor<unknown, unknown>[]
