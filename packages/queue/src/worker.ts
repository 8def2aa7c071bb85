/**
 * A queue worker: takes compile jobs from a BullMQ queue and runs them on a pool of compile threads
 * (the model loaded once per thread, before the worker takes its first job: a worker whose model
 * cannot load takes none, and a batch never waits on a worker still starting). Any number of
 * workers, on any machines, can serve one queue; a job whose worker dies is retried by another
 * once its lock expires. A set that cannot compile
 * (bad images, too few classes) fails at once, without retries, so it never blocks the queue.
 */
import { hostname } from 'node:os';
import { CompilePool, type SetError } from '@hypertx/pipeline';
import { HypertxError } from '@hypertx/export';
import { DEFAULT_QUEUE_NAME, parseRedisUrl } from './connection.js';
import { decodeJob, encodeResult, type CompileJobData, type CompileJobResult } from './jobs.js';

export interface WorkerOptions {
  /** `redis://host:port`. */
  queue: string;
  queueName?: string;
  /** A bundled model name or a model file (default "default"). */
  model?: string;
  /** Compile threads (default: the machine's cores); the worker holds up to twice as many jobs, so the next is always ready. */
  jobs?: number;
  /** How long a job stays locked to this worker without a heartbeat (default 30 s): after that another worker may take it. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 s). */
  stalledIntervalMs?: number;
  /** Stops the worker: running jobs finish first. */
  signal?: AbortSignal;
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; worker: string; threads: number; queueName: string }
  | { type: 'started'; name: string; key: string; attempt: number }
  | { type: 'completed'; name: string; key: string; ms: number; attempt: number }
  | { type: 'failed'; name: string; key: string; error: SetError; attempt: number; final: boolean }
  | { type: 'error'; message: string };

export interface WorkerSummary {
  completed: number;
  failed: number;
}

/** Errors that a retry cannot fix: the set itself is at fault. */
const FINAL_KINDS = new Set(['input', 'usage', 'verification']);

export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const connection = parseRedisUrl(options.queue);
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const { Worker, UnrecoverableError } = await import('bullmq');
  const pool = new CompilePool({ ...(options.model !== undefined ? { model: options.model } : {}), ...(options.jobs !== undefined ? { threads: options.jobs } : {}) });
  const id = `${hostname()}:${process.pid}`;
  const summary: WorkerSummary = { completed: 0, failed: 0 };
  const started = new Map<string, number>();
  try {
    await pool.ready();
  } catch (err) {
    await pool.close();
    throw err;
  }

  const worker = new Worker<CompileJobData, CompileJobResult>(
    queueName,
    async (job) => {
      started.set(job.id!, performance.now());
      const reply = await pool.compile(decodeJob(job.data), job.data.options);
      if (reply.ok) return encodeResult(reply.result, id);
      const reason = JSON.stringify(reply.error);
      throw FINAL_KINDS.has(reply.error.kind) ? new UnrecoverableError(reason) : new Error(reason);
    },
    {
      connection,
      // One job more than threads per worker: the next job is fetched while one compiles.
      concurrency: pool.size * 2,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
    },
  );
  worker.on('active', (job) => options.onEvent?.({ type: 'started', name: job.data.name, key: job.id!, attempt: job.attemptsMade + 1 }));
  worker.on('completed', (job) => {
    summary.completed++;
    options.onEvent?.({ type: 'completed', name: job.data.name, key: job.id!, ms: performance.now() - (started.get(job.id!) ?? performance.now()), attempt: job.attemptsMade });
    started.delete(job.id!);
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) summary.failed++;
    options.onEvent?.({ type: 'failed', name: job.data.name, key: job.id!, error: parseSetError(err.message), attempt: job.attemptsMade, final });
    started.delete(job.id!);
  });
  worker.on('error', (err) => options.onEvent?.({ type: 'error', message: err.message }));

  try {
    await withTimeout(worker.waitUntilReady(), 15_000);
  } catch (err) {
    await Promise.allSettled([worker.close(true), pool.close()]);
    throw new HypertxError('E_QUEUE_UNREACHABLE', `can't reach Redis at ${options.queue}: ${(err as Error).message}`, { kind: 'input', cause: err, hint: 'start Redis (or Valkey) there, or give the right --queue URL' });
  }
  options.onEvent?.({ type: 'ready', worker: id, threads: pool.size, queueName });
  await new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close(); // waits for the jobs in progress
  await pool.close();
  return summary;
}

/** A job's failure reason back as the set's typed error (workers store it as JSON). */
export function parseSetError(reason: string): SetError {
  try {
    const e = JSON.parse(reason) as SetError;
    if (typeof e.code === 'string' && typeof e.message === 'string') return e;
  } catch {
    // not ours: a BullMQ reason such as "job stalled more than allowable limit"
  }
  return { code: 'E_QUEUE_JOB', kind: 'internal', message: reason };
}

/** Rejects when `promise` takes longer than `ms` (an unreachable Redis is retried forever otherwise). */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
