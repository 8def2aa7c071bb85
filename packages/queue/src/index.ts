/**
 * @hypertx/queue: hypertx batches across machines on BullMQ (Redis or Valkey). `submitBatch` queues
 * one job per support set and collects the compiled files; `runWorker` serves the queue on any
 * number of machines.
 */
export { submitBatch, type SubmitOptions } from './submit.js';
export { runWorker, parseSetError, type WorkerOptions, type WorkerEvent, type WorkerSummary } from './worker.js';
export { parseRedisUrl, DEFAULT_QUEUE_NAME, type RedisConnection } from './connection.js';
export type { CompileJobData, CompileJobResult } from './jobs.js';
