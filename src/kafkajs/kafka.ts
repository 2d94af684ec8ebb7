/**
 * kafkajs's `Kafka` client: `new Kafka(config)`, then `kafka.producer(options)` and
 * `kafka.logger()`. Sluice is a producer: `consumer()` and `admin()` throw SluiceUnsupportedError.
 */
import type { KafkaConfig, ProducerConfig } from './config.js'
import { SluiceUnsupportedError } from './errors.js'
import { consoleLogCreator, createLogger, type Logger, logLevel } from './logger.js'
import { Producer } from './producer.js'

export class Kafka {
  readonly #config: KafkaConfig
  readonly #log: Logger

  constructor(config: KafkaConfig) {
    this.#config = { ...config }
    this.#log = createLogger(config.logLevel ?? logLevel.INFO, config.logCreator ?? consoleLogCreator)
  }

  producer(options: ProducerConfig = {}): Producer {
    return new Producer(this.#config, options, this.#log)
  }

  consumer(_options?: unknown): never {
    throw new SluiceUnsupportedError(
      'sluice/kafkajs has no consumer: Sluice is a Kafka producer. Keep kafkajs (or another client) for consumers; see docs/KAFKAJS.md',
    )
  }

  admin(_options?: unknown): never {
    throw new SluiceUnsupportedError(
      "sluice/kafkajs has no admin client: Sluice is a Kafka producer. Create topics with createTopics() from 'sluice' (or `sluice topics create`), Kafka's kafka-topics.sh, or your platform's tooling; see docs/KAFKAJS.md",
    )
  }

  logger(): Logger {
    return this.#log
  }
}
