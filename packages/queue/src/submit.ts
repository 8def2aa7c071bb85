/**
 * A batch through the queue: every support set not already compiled becomes one BullMQ job (job id
 * = the set's key, so submitting twice queues nothing twice), then the submitter collects each
 * job's result and writes the files under its own output folder. Workers need no shared
 * filesystem: images go in the job, files come back in its result. If Redis restarts and loses
 * jobs, they are queued again; a set that never finishes within `timeoutMs` is reported as such.
 */
import { HypertxError } from '@hypertx/export';
import {
  prepareBatch,
  setErrorOf,
  triageSet,
  writeSetOutputs,
  type BatchSetResult,
  type BatchSummary,
  type CompileBatchOptions,
  type SupportSetSource,
} from '@hypertx/pipeline';
import { DEFAULT_QUEUE_NAME, parseRedisUrl } from './connection.js';
import { decodeResult, encodeJob, type CompileJobData, type CompileJobResult } from './jobs.js';
import { parseSetError, withTimeout } from './worker.js';

export interface SubmitOptions extends Omit<CompileBatchOptions, 'jobs'> {
  /** `redis://host:port`. */
  queue: string;
  queueName?: string;
  /** Tries per set for errors a retry may fix (a worker dying, a runtime failing); default 3. */
  attempts?: number;
  /** Give up on sets not finished after this long (default: wait as long as it takes). */
  timeoutMs?: number;
  /**
   * How often every unfinished job's state is read (default 1000 ms). Finished jobs are collected as
   * soon as Redis announces them; this sweep only catches what an announcement missed (a restart).
   */
  pollMs?: number;
}

export async function submitBatch(input: string | readonly SupportSetSource[], options: SubmitOptions): Promise<BatchSummary> {
  if (!options.out) throw new HypertxError('E_USAGE', 'submitBatch needs an output folder (out)', { kind: 'usage' });
  const t0 = performance.now();
  const connection = parseRedisUrl(options.queue);
  const batch = await prepareBatch(input, options);
  const { Queue, QueueEvents } = await import('bullmq');
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<CompileJobData, CompileJobResult>(queueName, { connection });
  queue.on('error', () => undefined); // connection drops are retried below; each read reports its own failure
  // Finished jobs are announced on Redis' event stream: collect them at once instead of polling.
  const events = new QueueEvents(queueName, { connection });
  events.on('error', () => undefined);
  const announced = new Set<string>();
  let wake: (() => void) | undefined;
  const onFinished = ({ jobId }: { jobId: string }) => {
    announced.add(jobId);
    wake?.();
  };
  events.on('completed', onFinished);
  events.on('failed', onFinished);
  const total = batch.sets.length;
  const results: BatchSetResult[] = [];
  const report = (result: BatchSetResult) => {
    results.push(result);
    options.onProgress?.({ type: 'set', task: 'batch', result, done: results.length, total });
  };
  const jobOptions = (key: string) => ({ jobId: key, attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: false, removeOnFail: false });

  try {
    try {
      await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), 15_000);
    } catch (err) {
      throw new HypertxError('E_QUEUE_UNREACHABLE', `can't reach Redis at ${options.queue}: ${(err as Error).message}`, { kind: 'input', cause: err, hint: 'start Redis (or Valkey) there, or give the right --queue URL' });
    }
    const pending = new Map<string, { source: SupportSetSource; data: CompileJobData; started: number }>();
    // Jobs that failed in an earlier submission keep their id: remove them so that they run again.
    const failedBefore = new Set((await queue.getJobs(['failed'])).map((job) => job.id));
    let chunk: { name: string; data: CompileJobData; opts: ReturnType<typeof jobOptions> }[] = [];
    const flush = async () => {
      if (chunk.length > 0) await queue.addBulk(chunk);
      chunk = [];
    };
    for (const source of batch.sets) {
      const triaged = await triageSet(source, batch, options);
      if ('result' in triaged) {
        report(triaged.result);
        continue;
      }
      const { set, key, started } = triaged;
      if (failedBefore.has(key)) await (await queue.getJob(key))?.remove();
      const data = encodeJob(set, batch.compileOptions);
      chunk.push({ name: 'compile', data, opts: jobOptions(key) });
      pending.set(key, { source, data, started });
      if (chunk.length >= 16) await flush(); // in batches: one round trip each, and workers start early
    }
    await flush();
    options.onProgress?.({ type: 'stage', task: 'batch', message: `Queued ${pending.size} of ${total} support sets on ${options.queue}` });

    const deadline = options.timeoutMs !== undefined ? performance.now() + options.timeoutMs : Infinity;
    let unreachableSince: number | undefined;
    let nextSweep = 0;
    while (pending.size > 0) {
      if (options.signal?.aborted) throw new HypertxError('E_ABORTED', `batch was cancelled with ${pending.size} of ${total} sets unfinished (their jobs stay queued)`, { kind: 'interrupted' });
      if (performance.now() > deadline) break;
      if (announced.size === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, nextSweep - performance.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      const sweep = performance.now() >= nextSweep;
      if (sweep) nextSweep = performance.now() + (options.pollMs ?? 1000);
      const keys = sweep ? [...pending.keys()] : [...announced].filter((k) => pending.has(k));
      announced.clear();
      try {
        for (const key of keys) {
          const entry = pending.get(key)!;
          // The state first, then the job: a job read before it finished would carry no result.
          const state = await queue.getJobState(key);
          if (state === 'unknown') {
            // Lost (Redis restarted without persistence, or someone removed it): queue it again.
            await queue.add('compile', entry.data, jobOptions(key));
            continue;
          }
          if (state !== 'completed' && state !== 'failed') continue;
          const job = await queue.getJob(key);
          if (!job) continue; // removed meanwhile: the next sweep queues it again
          if (state === 'completed') {
            if (!job.returnvalue) continue; // not readable yet: the next sweep looks again
            pending.delete(key);
            try {
              const files = await writeSetOutputs(options.out, entry.source.name, key, decodeResult(job.returnvalue));
              report({ name: entry.source.name, key, status: 'compiled', labels: job.returnvalue.labels, files, ms: performance.now() - entry.started });
            } catch (err) {
              report({ name: entry.source.name, key, status: 'failed', error: setErrorOf(err), ms: performance.now() - entry.started });
            }
            await job.remove();
          } else if (state === 'failed') {
            pending.delete(key);
            report({ name: entry.source.name, key, status: 'failed', error: parseSetError(job.failedReason), ms: performance.now() - entry.started });
            await job.remove();
          }
        }
        if (unreachableSince !== undefined) options.onProgress?.({ type: 'stage', task: 'batch', message: 'Redis is back' });
        unreachableSince = undefined;
      } catch (err) {
        if (unreachableSince === undefined) {
          unreachableSince = performance.now();
          options.onProgress?.({ type: 'stage', task: 'batch', message: `Redis unreachable (${(err as Error).message}); still waiting for ${pending.size} sets` });
        }
      }
    }
    for (const [key, entry] of pending) {
      report({
        name: entry.source.name,
        key,
        status: 'failed',
        error: { code: 'E_QUEUE_TIMEOUT', kind: 'internal', message: `not finished within ${options.timeoutMs! / 1000} s (the job stays queued: submit again to collect it)` },
        ms: performance.now() - entry.started,
      });
    }
  } finally {
    await Promise.all([queue.close().catch(() => undefined), events.close().catch(() => undefined)]);
  }
  const count = (s: BatchSetResult['status']) => results.filter((r) => r.status === s).length;
  return { results, compiled: count('compiled'), skipped: count('skipped'), failed: count('failed'), seconds: (performance.now() - t0) / 1000 };
}
