/**
 * A pool of gradient workers (worker_threads), each with its own TF.js backend. The wasm backend
 * is single-threaded in Node, so this is how training uses more than one core: the episodes of a
 * step are split into shards; the main thread computes one shard while each worker computes
 * another, and the gradients are averaged (weighted by query count) in a fixed order, so results
 * stay deterministic.
 *
 * The parameters (3.4 MB for the 8-channel model) reach the workers through one SharedArrayBuffer
 * that the main thread overwrites before each step, not a structured-clone copy per worker and
 * step. It is never written while a job runs: the next step starts after every worker replied.
 */
import { Worker } from 'node:worker_threads';
import type { BnMode } from '../config.js';
import type { Episode } from '../episode.js';
import { HypertxError, internalError } from '../errors.js';
import type { BnPrior } from '../model/bn-prior.js';
import type { EpisodeConvForm } from '../model/forward.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import type { Distillation } from './distillation.js';
import type { ShardGradient } from './gradient.js';
import type { WorkerInit, WorkerJob } from './grad-worker.js';

/** What every shard of a step is computed with, besides the parameters. */
export interface ShardSettings {
  bnMode: BnMode;
  /** Undefined: each thread's backend default. */
  episodeConv: EpisodeConvForm | undefined;
  bnPrior: BnPrior | null;
  /** The distillation term's settings (each episode carries its teacher logits), or null. */
  distillation: Distillation | null;
}

interface Pending {
  resolve: (r: ShardGradient) => void;
  reject: (e: Error) => void;
}

class GradientWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./grad-worker.js', import.meta.url), { workerData: init });
    // An idle worker must not keep the process alive (a caller that forgets close() still exits);
    // it is ref'd while a job is pending.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean; error?: string }) => {
        if (m.ready === undefined) return;
        this.worker.off('message', onMessage);
        if (m.ready) resolve();
        else reject(internalError('E_TRAIN_WORKER', `gradient worker failed to start: ${m.error}`));
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (e) => reject(internalError('E_TRAIN_WORKER', `gradient worker crashed: ${e.message}`, { cause: e })));
    });
    this.worker.on('message', (m: { id?: number; ok?: boolean; error?: string; code?: string } & ShardGradient) => {
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve({ loss: m.loss, ...(m.distillLoss !== undefined ? { distillLoss: m.distillLoss } : {}), gradient: m.gradient, predicted: m.predicted, queryLabels: m.queryLabels });
      else p.reject(new HypertxError(m.code ?? 'E_TRAIN_WORKER', `gradient worker: ${m.error}`, { kind: 'internal' }));
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(internalError('E_TRAIN_WORKER', `gradient worker crashed: ${e.message}`, { cause: e }));
      this.pending.clear();
    });
  }

  run(episodes: Episode[], settings: ShardSettings): Promise<ShardGradient> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      const job: WorkerJob = { id, episodes, ...settings };
      this.worker.postMessage(job);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class WorkerPool {
  private constructor(
    private readonly workers: GradientWorker[],
    private readonly params: Float32Array,
  ) {}

  static async start(model: EpisodicModel, count: number, backend: string): Promise<WorkerPool> {
    const params = new Float32Array(new SharedArrayBuffer(model.layout.total * Float32Array.BYTES_PER_ELEMENT));
    params.set(model.params.dataSync() as Float32Array);
    const workers = Array.from({ length: count }, () => new GradientWorker({ kind: model.kind, config: model.config, backend, params }));
    try {
      await Promise.all(workers.map((w) => w.ready));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new WorkerPool(workers, params);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts shard i on worker i (shards.length ≤ size) with these parameters. Call again only after
   * every promise of the previous call settled: the workers read the parameters while they run.
   */
  run(params: Float32Array, shards: Episode[][], settings: ShardSettings): Promise<ShardGradient>[] {
    this.params.set(params);
    return shards.map((episodes, i) => (this.workers[i] as GradientWorker).run(episodes, settings));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
