/**
 * sluice/workers: the worker-thread producer. Same send()/flush()/close() as Producer from
 * 'sluice', plus `workers: N`; see README.md, "Worker threads".
 */
export { WorkerExitedError } from '../errors.js'
export { MAX_WORKERS } from './config.js'
export { WorkerProducer, type WorkerProducerConfig } from './producer.js'
