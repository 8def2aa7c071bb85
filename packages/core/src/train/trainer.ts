/**
 * Episodic training: T episodes per step (a meta-batch, each episode with its own generated
 * weights), SGD or Adam over the flat parameter vector, LR schedules, global-norm clipping,
 * periodic evaluation and checkpoints, exact resume.
 *
 * Reproducible episodes: training pulls episodes from `options.episodes(step, seed)`. It must be a
 * pure function of (step, seed) — e.g. seed an episode sampler with `hash(seed, step)` — so a run
 * resumed from a checkpoint (which stores `seed` and `step`) sees exactly the episodes the
 * uninterrupted run would have seen.
 */
import type { BnMode } from '../config.js';
import { type TrainState, assertSameConfig, loadCheckpoint, modelFromState, saveCheckpoint } from '../checkpoint.js';
import { currentBackend } from '../backend.js';
import { type Episode, disposeMetaBatch, stackEpisodes, validateEpisode } from '../episode.js';
import { inputError, usageError } from '../errors.js';
import { type EvaluationResult, evaluate } from '../evaluate.js';
import { estimateBnPrior } from '../model/bn-prior.js';
import type { EpisodeConvForm } from '../model/forward.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import { readAhead, readsAsync } from '../read.js';
import { tf } from '../tf.js';
import { type Distillation, validateDistillation } from './distillation.js';
import { shardGradientTensor } from './gradient.js';
import { splitIntoShards } from './shards.js';
import { FlatOptimizer, type OptimizerConfig, clipByGlobalNorm } from './optimizer.js';
import { WorkerPool } from './worker-pool.js';
import { type LrSchedule, learningRate } from './schedule.js';

export type EpisodeSource = (step: number, seed: number) => Episode[];

export interface TrainProgress {
  /** Steps completed (after this one). */
  step: number;
  totalSteps: number;
  loss: number;
  /** The distillation term, when distilling (StepResult.distillLoss). */
  distillLoss?: number;
  /** Query accuracy over the step's episodes. */
  accuracy: number;
  lr: number;
  /** Gradient L2 norm before clipping. */
  gradNorm: number;
  episodes: number;
  stepMs: number;
  episodesPerSecond: number;
  /** Live TF.js tensors (should stay flat). */
  numTensors: number;
}

export interface TrainerOptions {
  episodes: EpisodeSource;
  /** Seed handed to the episode source (stored in checkpoints). */
  seed?: number;
  optimizer?: OptimizerConfig;
  schedule?: LrSchedule;
  /** Clip the gradient to this global L2 norm. */
  clipNorm?: number;
  bnMode?: BnMode;
  onProgress?: (progress: TrainProgress) => void;
  checkpoint?: { path: string; every: number };
  evaluation?: { every: number; episodes: () => Iterable<Episode>; bnMode?: BnMode; onResult?: (result: EvaluationResult & { step: number }) => void };
  metadata?: Record<string, string>;
  /**
   * Train and ship with a BatchNorm prior (bn-prior.ts): population statistics worth `weight`
   * pseudo-values, re-estimated every `every` steps from `sets` training support sets (drawn
   * with a seed of their own, so the training episodes are unchanged) and used by every step.
   */
  bnPrior?: { weight: number; every: number; sets: number };
  /**
   * Extra worker threads for data-parallel steps (default 0). With W workers the episodes of a
   * step are split into W + 1 shards computed concurrently (the wasm backend uses one core per
   * thread). Gradients are combined in a fixed order, so runs stay deterministic; they differ
   * from `workers: 0` only by float rounding.
   */
  workers?: number;
  /**
   * How the per-episode generated convs run: 'batched' (a fixed number of kernel dispatches per
   * step and episode shape, however many episodes) or 'per-episode'. Default: what the backend
   * runs faster (forward.ts, defaultEpisodeConv).
   */
  episodeConv?: EpisodeConvForm;
  /**
   * Distil a frozen teacher (distillation.ts): each step's loss adds weight · T² · KL between the
   * teacher's and the student's softened query probabilities. Every training episode must then
   * carry `teacherLogits` (withTeacherLogits, train/teacher.ts), computed where the episodes are
   * made, so worker threads need no teacher.
   */
  distillation?: Distillation;
}

export interface StepResult {
  /** The loss minimised: mean query cross-entropy, plus weight · the distillation term when distilling. */
  loss: number;
  /** The distillation term (T² · mean KL, before the weight); absent unless distilling. */
  distillLoss?: number;
  accuracy: number;
  gradNorm: number;
  lr: number;
}

export class Trainer {
  readonly model: EpisodicModel;
  private readonly optimizer: FlatOptimizer;
  private readonly schedule: LrSchedule;
  private readonly seed: number;
  private stepCount: number;
  private pool: WorkerPool | null = null;

  constructor(model: EpisodicModel, private readonly options: TrainerOptions, resume?: TrainState) {
    this.model = model;
    this.schedule = options.schedule ?? resume?.schedule ?? { kind: 'constant', lr: 1e-3 };
    this.seed = options.seed ?? resume?.rng.seed ?? 0;
    this.stepCount = resume?.step ?? 0;
    const optConfig: OptimizerConfig = options.optimizer ?? (resume?.optimizer ? ({ name: resume.optimizer.name, ...resume.optimizer.hyper } as OptimizerConfig) : { name: 'sgd' });
    this.optimizer = new FlatOptimizer(optConfig, model.layout.total, resume?.optimizer ?? undefined);
    if (options.distillation) validateDistillation(options.distillation);
  }

  /** Resumes from a checkpoint; with `expect`, throws E_CHECKPOINT_CONFIG_MISMATCH if the configs differ. */
  static async resume(path: string, options: TrainerOptions, expect?: EpisodicModel['config']): Promise<Trainer> {
    const state = await loadCheckpoint(path);
    if (expect) assertSameConfig(state, expect, path);
    return new Trainer(modelFromState(state), options, state);
  }

  get step(): number {
    return this.stepCount;
  }

  private async workerPool(): Promise<WorkerPool | null> {
    const count = this.options.workers ?? 0;
    if (count <= 0) return null;
    if (readsAsync()) {
      throw usageError('E_TRAIN_WORKERS', `workers: ${count} needs a CPU backend: worker threads are replicas on wasm or tfjs-node, not on ${tf.getBackend()}`, { hint: 'use workers: 0 on a GPU (the device runs the whole step)' });
    }
    this.pool ??= await WorkerPool.start(this.model, count, currentBackend()?.tfBackend ?? tf.getBackend());
    return this.pool;
  }

  /**
   * One optimisation step on the given episodes. Their ways and sizes may differ: episodes of one
   * shape run as one meta-batch (gradient.ts, groupByShape).
   */
  async trainStep(episodes: Episode[]): Promise<StepResult> {
    const model = this.model;
    const bnMode = this.options.bnMode ?? 'support';
    const episodeConv = this.options.episodeConv;
    const lr = learningRate(this.schedule, this.stepCount);
    // Before sharding, so an error names the episode's index in the step.
    if (episodes.length === 0) throw inputError('E_EPISODE_BATCH', 'a step needs at least one episode');
    episodes.forEach((e, i) => validateEpisode(model.config, e, `episodes[${i}]`));
    const distillation = this.options.distillation ?? null;
    if (distillation) {
      const missing = episodes.findIndex((e) => e.teacherLogits === undefined);
      if (missing >= 0) {
        throw inputError('E_EPISODE_TEACHER_LOGITS', `episodes[${missing}] has no teacherLogits: a Trainer with distillation needs the teacher's query logits on every training episode`, {
          hint: 'label each step\'s episodes with withTeacherLogits(teacher, episodes) before trainStep',
        });
      }
    }
    const prior = this.options.bnPrior;
    if (prior && (!model.bnPrior || model.bnPrior.weight !== prior.weight)) {
      // Twice: the second pass sees earlier blocks normalised as inference will normalise them.
      await this.refreshBnPrior();
      await this.refreshBnPrior();
    }
    const pool = episodes.length > 1 ? await this.workerPool() : null;
    let gradient: tf.Tensor1D;
    let loss: number;
    let distillLoss: number | undefined;
    let right = 0;
    let total = 0;
    const count = (predicted: Int32Array, labels: Int32Array) => {
      labels.forEach((l, i) => {
        if (predicted[i] === l) right++;
      });
      total += labels.length;
    };
    if (!pool) {
      const r = await shardGradientTensor(model, episodes, bnMode, { episodeConv, distillation });
      gradient = r.gradient;
      loss = r.loss;
      distillLoss = r.distillLoss;
      count(r.predicted, r.queryLabels);
    } else {
      const shards = splitIntoShards(episodes, pool.size + 1);
      const remote = pool.run(model.params.dataSync() as Float32Array, shards.slice(1), { bnMode, episodeConv, bnPrior: model.bnPrior, distillation });
      const local = await shardGradientTensor(model, shards[0] as Episode[], bnMode, { episodeConv, distillation });
      let others: Awaited<(typeof remote)[number]>[];
      try {
        others = await Promise.all(remote);
      } catch (err) {
        local.gradient.dispose();
        throw err;
      }
      const results = [local, ...others];
      // Mean over all queries = query-weighted mean of the shard means, summed in shard order.
      // On the backend (SIMD on wasm): a JS loop over the 0.84M floats per shard is serial time
      // on the main thread that the second core cannot share.
      const queries = results.map((r) => r.queryLabels.length);
      const all = queries.reduce((a, b) => a + b, 0);
      gradient = tf.tidy(() => {
        let sum = tf.mul(local.gradient, (queries[0] as number) / all);
        others.forEach((r, i) => {
          sum = tf.add(sum, tf.mul(tf.tensor1d(r.gradient), (queries[i + 1] as number) / all));
        });
        return sum as tf.Tensor1D;
      });
      local.gradient.dispose();
      loss = results.reduce((a, r, i) => a + (r.loss * (queries[i] as number)) / all, 0);
      if (distillation) distillLoss = results.reduce((a, r, i) => a + ((r.distillLoss ?? 0) * (queries[i] as number)) / all, 0);
      results.forEach((r) => count(r.predicted, r.queryLabels));
    }
    const clipped = await clipByGlobalNorm(gradient, this.options.clipNorm);
    const gradNorm = clipped.norm;
    this.optimizer.apply(model.params, clipped.grad, lr);
    tf.dispose(clipped.grad === gradient ? [gradient] : [gradient, clipped.grad]);
    this.stepCount += 1;
    model.markChanged();
    if (prior && this.stepCount % prior.every === 0) await this.refreshBnPrior();
    return { loss, ...(distillLoss !== undefined ? { distillLoss } : {}), accuracy: right / total, gradNorm, lr };
  }

  /** Trains until `totalSteps` steps are done (counting steps restored from a checkpoint). */
  async run(totalSteps: number): Promise<{ steps: number; last: StepResult | null }> {
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw usageError('E_TRAIN_STEPS', `totalSteps = ${totalSteps} must be a non-negative integer`);
    let last: StepResult | null = null;
    const { checkpoint, evaluation, onProgress } = this.options;
    while (this.stepCount < totalSteps) {
      const t0 = performance.now();
      const episodes = this.options.episodes(this.stepCount, this.seed);
      last = await this.trainStep(episodes);
      const stepMs = performance.now() - t0;
      onProgress?.({ step: this.stepCount, totalSteps, ...last, episodes: episodes.length, stepMs, episodesPerSecond: (episodes.length * 1000) / stepMs, numTensors: tf.memory().numTensors });
      if (evaluation && this.stepCount % evaluation.every === 0) {
        const r = await evaluate(this.model, evaluation.episodes(), { bnMode: evaluation.bnMode ?? 'support' });
        evaluation.onResult?.({ ...r, step: this.stepCount });
      }
      if (checkpoint && (this.stepCount % checkpoint.every === 0 || this.stepCount === totalSteps)) await this.save(checkpoint.path);
      // Let timers and I/O run between steps (progress bars, signals).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { steps: this.stepCount, last };
  }

  /** Re-estimates the model's BatchNorm prior from training support sets (options.bnPrior). */
  async refreshBnPrior(): Promise<void> {
    const options = this.options.bnPrior;
    if (!options) return;
    const { model, stepCount } = this;
    const source = this.options.episodes;
    const seed = (this.seed ^ 0x5bd1e995) >>> 0;
    function* supportSets() {
      let drawn = 0;
      for (let i = 0; drawn < options!.sets; i++) {
        for (const episode of source(stepCount + i, seed)) {
          if (drawn++ >= options!.sets) break;
          const batch = stackEpisodes(model.config, [episode]);
          try {
            yield batch;
          } finally {
            disposeMetaBatch(batch);
          }
        }
      }
    }
    model.bnPrior = await estimateBnPrior(model, supportSets(), options.weight);
  }

  state(): TrainState {
    return {
      kind: this.model.kind,
      config: this.model.config,
      params: this.model.values(),
      step: this.stepCount,
      rng: { seed: this.seed },
      optimizer: this.optimizer.state(),
      schedule: this.schedule,
      ...(this.options.metadata ? { metadata: this.options.metadata } : {}),
      ...(this.model.bnPrior ? { bnPrior: this.model.bnPrior } : {}),
    };
  }

  async save(path: string): Promise<void> {
    await readAhead([this.model.params, ...this.optimizer.slotTensors()]); // state() reads them synchronously
    await saveCheckpoint(path, this.state());
  }

  /** Stops the worker threads (if any) and frees the optimiser state. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.optimizer.dispose();
    if (pool) await pool.close();
  }

  /** Synchronous variant of close() (worker threads are terminated without waiting). */
  dispose(): void {
    void this.pool?.close();
    this.pool = null;
    this.optimizer.dispose();
  }
}
