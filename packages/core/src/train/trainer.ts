/**
 * Episodic training: T episodes per step (a meta-batch, each episode with its own generated
 * weights), SGD or Adam over the flat parameter vector, LR schedules, global-norm clipping,
 * periodic evaluation and checkpoints, exact resume.
 *
 * Reproducible episodes: training pulls episodes from `source(step, seed)`. The source must be a
 * pure function of (step, seed) — e.g. seed an episode sampler with `hash(seed, step)` — so a run
 * resumed from a checkpoint (which stores `seed` and `step`) sees exactly the episodes the
 * uninterrupted run would have seen.
 */
import type { BnMode } from '../config.js';
import { type TrainState, assertSameConfig, loadCheckpoint, modelFromState, saveCheckpoint } from '../checkpoint.js';
import { type Episode, disposeMetaBatch, stackEpisodes } from '../episode.js';
import { usageError } from '../errors.js';
import { type EvaluationResult, evaluate } from '../evaluate.js';
import { crossEntropy } from '../model/forward.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import { tf } from '../tf.js';
import { FlatOptimizer, type OptimizerConfig, clipByGlobalNorm } from './optimizer.js';
import { type LrSchedule, learningRate } from './schedule.js';

export type EpisodeSource = (step: number, seed: number) => Episode[];

export interface TrainProgress {
  /** Steps completed (after this one). */
  step: number;
  totalSteps: number;
  loss: number;
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
}

export interface StepResult {
  loss: number;
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

  constructor(model: EpisodicModel, private readonly options: TrainerOptions, resume?: TrainState) {
    this.model = model;
    this.schedule = options.schedule ?? resume?.schedule ?? { kind: 'constant', lr: 1e-3 };
    this.seed = options.seed ?? resume?.rng.seed ?? 0;
    this.stepCount = resume?.step ?? 0;
    const optConfig: OptimizerConfig = options.optimizer ?? (resume?.optimizer ? ({ name: resume.optimizer.name, ...resume.optimizer.hyper } as OptimizerConfig) : { name: 'sgd' });
    this.optimizer = new FlatOptimizer(optConfig, model.layout.total, resume?.optimizer ?? undefined);
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

  /** One optimisation step on the given episodes (equal ways and sizes). */
  trainStep(episodes: Episode[]): StepResult {
    const model = this.model;
    const bnMode = this.options.bnMode ?? 'support';
    const batch = stackEpisodes(model.config, episodes);
    const lr = learningRate(this.schedule, this.stepCount);
    try {
      let predicted: Int32Array | Float32Array | Uint8Array = new Int32Array(0);
      const { loss, gradNorm } = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.queryLogits(model.views(), batch, { bnMode });
          predicted = tf.argMax(logits, 2).dataSync();
          return crossEntropy(logits, batch.queryOneHot as tf.Tensor3D);
        }, [model.params]);
        const clipped = clipByGlobalNorm(grads[model.params.name] as tf.Tensor1D, this.options.clipNorm);
        this.optimizer.apply(model.params, clipped.grad, lr);
        return { loss: value.dataSync()[0] as number, gradNorm: clipped.norm };
      });
      let right = 0;
      batch.queryLabels.forEach((l, i) => {
        if (predicted[i] === l) right++;
      });
      this.stepCount += 1;
      model.markChanged();
      return { loss, accuracy: right / batch.queryLabels.length, gradNorm, lr };
    } finally {
      disposeMetaBatch(batch);
    }
  }

  /** Trains until `totalSteps` steps are done (counting steps restored from a checkpoint). */
  async run(totalSteps: number): Promise<{ steps: number; last: StepResult | null }> {
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw usageError('E_TRAIN_STEPS', `totalSteps = ${totalSteps} must be a non-negative integer`);
    let last: StepResult | null = null;
    const { checkpoint, evaluation, onProgress } = this.options;
    while (this.stepCount < totalSteps) {
      const t0 = performance.now();
      const episodes = this.options.episodes(this.stepCount, this.seed);
      last = this.trainStep(episodes);
      const stepMs = performance.now() - t0;
      onProgress?.({ step: this.stepCount, totalSteps, ...last, episodes: episodes.length, stepMs, episodesPerSecond: (episodes.length * 1000) / stepMs, numTensors: tf.memory().numTensors });
      if (evaluation && this.stepCount % evaluation.every === 0) {
        const r = evaluate(this.model, evaluation.episodes(), { bnMode: evaluation.bnMode ?? 'support' });
        evaluation.onResult?.({ ...r, step: this.stepCount });
      }
      if (checkpoint && (this.stepCount % checkpoint.every === 0 || this.stepCount === totalSteps)) await this.save(checkpoint.path);
      // Let timers and I/O run between steps (progress bars, signals).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { steps: this.stepCount, last };
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
    };
  }

  async save(path: string): Promise<void> {
    await saveCheckpoint(path, this.state());
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
