/**
 * A batch through the queue: every support set not already compiled becomes one BullMQ job (job id
 * = the set's key, so submitting twice queues nothing twice), then the submitter collects each
 * job's result and writes the files under its own output folder. Workers need no shared
 * filesystem: images go in the job, files come back in its result. A finished job is collected
 * from its announcement on Redis' event stream, which already carries its result (or failure): no
 * read back per job, only its removal once the files are written. When the stream goes quiet, every
 * unfinished job's state is read instead (a sweep), which catches announcements missed (a restart)
 * and queues again jobs that Redis lost; a set that never finishes within `timeoutMs` is reported
 * as such.
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
import type { Queue } from 'bullmq';
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
   * How long the event stream may stay quiet before every unfinished job's state is read (default
   * 1000 ms; while announcements flow, at most every ten times as long). Finished jobs are collected
   * as soon as Redis announces them; this sweep only catches what an announcement missed (a restart).
   */
  pollMs?: number;
}

/** How a job ended, as its announcement (or a sweep) tells it. */
type Outcome = { state: 'completed'; result: CompileJobResult } | { state: 'failed'; reason: string };

interface PendingSet {
  source: SupportSetSource;
  data: CompileJobData;
  started: number;
}

export async function submitBatch(input: string | readonly SupportSetSource[], options: SubmitOptions): Promise<BatchSummary> {
  if (!options.out) throw new HypertxError('E_USAGE', 'submitBatch needs an output folder (out)', { kind: 'usage' });
  const t0 = performance.now();
  const connection = parseRedisUrl(options.queue);
  // BullMQ loads while the batch is listed and the model hashed.
  const [batch, { Queue, QueueEvents }] = await Promise.all([prepareBatch(input, options), import('bullmq')]);
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<CompileJobData, CompileJobResult>(queueName, { connection });
  queue.on('error', () => undefined); // connection drops are retried below; each read reports its own failure
  const events = new QueueEvents(queueName, { connection });
  events.on('error', () => undefined);

  const pending = new Map<string, PendingSet>();
  // Announced outcomes of this batch's jobs, collected by the loop below in arrival order.
  const announced = new Map<string, Outcome>();
  let lastAnnouncement = performance.now();
  let wake: (() => void) | undefined;
  const announce = (key: string, outcome: Outcome) => {
    if (!pending.has(key)) return; // another batch's job, or one collected already
    announced.set(key, outcome);
    wake?.();
  };
  events.on('completed', ({ jobId, returnvalue }) => {
    lastAnnouncement = performance.now();
    announce(jobId, { state: 'completed', result: returnvalue as unknown as CompileJobResult });
  });
  events.on('failed', ({ jobId, failedReason }) => {
    lastAnnouncement = performance.now();
    announce(jobId, { state: 'failed', reason: failedReason });
  });
  events.on('active', () => (lastAnnouncement = performance.now()));
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);

  const total = batch.sets.length;
  const results: BatchSetResult[] = [];
  const report = (result: BatchSetResult) => {
    results.push(result);
    options.onProgress?.({ type: 'set', task: 'batch', result, done: results.length, total });
  };
  const jobOptions = (key: string) => ({ jobId: key, attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: false, removeOnFail: false });

  // Removals of collected jobs, sent without waiting for each (one round trip for many), awaited before the loop waits again.
  // Each settles to its error, if any, so that none is left unhandled while a set's files are written.
  const removals: Promise<unknown>[] = [];
  /** Writes a finished set's files (or reports its failure), then removes its job: a result stays in Redis until it is on disk. */
  const collect = async (key: string, outcome: Outcome) => {
    const entry = pending.get(key);
    if (!entry) return;
    pending.delete(key);
    const ms = () => performance.now() - entry.started;
    if (outcome.state === 'failed') {
      report({ name: entry.source.name, key, status: 'failed', error: parseSetError(outcome.reason), ms: ms() });
    } else {
      try {
        const files = await writeSetOutputs(options.out, entry.source.name, key, decodeResult(outcome.result));
        report({ name: entry.source.name, key, status: 'compiled', labels: outcome.result.labels, files, ms: ms() });
      } catch (err) {
        report({ name: entry.source.name, key, status: 'failed', error: setErrorOf(err), ms: ms() });
      }
    }
    removals.push(queue.remove(key).then(() => undefined, (err: unknown) => err ?? new Error('removal failed')));
  };

  try {
    try {
      await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), 15_000);
    } catch (err) {
      throw new HypertxError('E_QUEUE_UNREACHABLE', `can't reach Redis at ${options.queue}: ${(err as Error).message}`, { kind: 'input', cause: err, hint: 'start Redis (or Valkey) there, or give the right --queue URL' });
    }
    // Jobs that failed in an earlier submission keep their id: remove them so that they run again.
    const failedBefore = new Set(await queue.getRanges(['failed'], 0, -1));
    let chunk: { name: string; data: CompileJobData; opts: ReturnType<typeof jobOptions> }[] = [];
    // Jobs go out in growing batches (1, 2, 4 … 16 a round trip): the first reaches a worker as soon as one set is read.
    let chunkSize = 1;
    const flush = async () => {
      if (chunk.length > 0) await queue.addBulk(chunk);
      chunk = [];
      chunkSize = Math.min(16, chunkSize * 2);
    };
    for (const source of batch.sets) {
      const triaged = await triageSet(source, batch, options);
      if ('result' in triaged) {
        report(triaged.result);
        continue;
      }
      const { set, key, started } = triaged;
      if (failedBefore.has(key)) await queue.remove(key);
      const data = encodeJob(set, batch.compileOptions);
      chunk.push({ name: 'compile', data, opts: jobOptions(key) });
      pending.set(key, { source, data, started });
      if (chunk.length >= chunkSize) await flush();
    }
    await flush();
    options.onProgress?.({ type: 'stage', task: 'batch', message: `Queued ${pending.size} of ${total} support sets on ${options.queue}` });

    const pollMs = options.pollMs ?? 1000;
    const deadline = options.timeoutMs !== undefined ? performance.now() + options.timeoutMs : Infinity;
    let lastSweep = performance.now();
    // A sweep once the stream has been quiet for pollMs; while it flows, at most every 10 × pollMs.
    const nextSweep = () => Math.max(lastSweep + pollMs, Math.min(lastAnnouncement + pollMs, lastSweep + 10 * pollMs));
    let unreachableSince: number | undefined;
    while (pending.size > 0) {
      if (options.signal?.aborted) throw new HypertxError('E_ABORTED', `batch was cancelled with ${pending.size} of ${total} sets unfinished (their jobs stay queued)`, { kind: 'interrupted' });
      if (performance.now() > deadline) break;
      if (announced.size === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, Math.min(nextSweep(), deadline) - performance.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      try {
        // Written side by side: each set has a folder (and lock) of its own, and the disk's
        // flushes (fsync) overlap, as they do for a local batch.
        const finished = [...announced];
        announced.clear();
        await Promise.all(finished.map(([key, outcome]) => collect(key, outcome)));
        if (performance.now() >= nextSweep()) {
          lastSweep = performance.now();
          for (const key of [...pending.keys()]) {
            const outcome = await readOutcome(queue, key, pending.get(key)!.data, jobOptions(key));
            if (outcome) await collect(key, outcome);
          }
        }
        const removalError = (await Promise.all(removals.splice(0))).find((err) => err !== undefined);
        if (removalError) throw removalError; // the job stays in Redis; its files are written
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
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all([queue.close().catch(() => undefined), events.close().catch(() => undefined)]);
  }
  const count = (s: BatchSetResult['status']) => results.filter((r) => r.status === s).length;
  return { results, compiled: count('compiled'), skipped: count('skipped'), failed: count('failed'), seconds: (performance.now() - t0) / 1000 };
}

/**
 * A sweep's look at one job: its outcome once it finished, nothing while it waits or runs. A job
 * Redis lost (restarted without persistence, or removed by someone) is queued again.
 */
async function readOutcome(queue: Queue<CompileJobData, CompileJobResult>, key: string, data: CompileJobData, opts: object): Promise<Outcome | undefined> {
  // The state first, then the job: a job read before it finished would carry no result.
  const state = await queue.getJobState(key);
  if (state === 'unknown') {
    await queue.add('compile', data, { ...opts, jobId: key });
    return undefined;
  }
  if (state !== 'completed' && state !== 'failed') return undefined;
  const job = await queue.getJob(key);
  if (!job) return undefined; // removed meanwhile: the next sweep queues it again
  if (state === 'failed') return { state, reason: job.failedReason };
  return job.returnvalue ? { state, result: job.returnvalue } : undefined; // not readable yet: the next sweep looks again
}
