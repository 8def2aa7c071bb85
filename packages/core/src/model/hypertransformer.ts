/** The HyperTransformer object: config, derived plan, parameter layout and the flat weights. */
import { createHash } from 'node:crypto';
import { type BnMode, type HyperTransformerConfig, type ModelPlan, configKey, planModel } from '../config.js';
import type { MetaBatch } from '../episode.js';
import { internalError } from '../errors.js';
import { checkSupportShifts } from '../support-shifts.js';
import { tf } from '../tf.js';
import type { BnPrior } from './bn-prior.js';
import { type EpisodeConvForm, forward } from './forward.js';
import { type ParamLayout, type ParamSpec, initialValues, makeLayout, paramSpecs } from './params.js';

export type ModelKind = 'hypertransformer' | 'protonet';

/** Anything trained episodically over one flat parameter vector (HyperTransformer, ProtoNet). */
export interface EpisodicModel {
  readonly kind: ModelKind;
  readonly config: HyperTransformerConfig;
  readonly layout: ParamLayout;
  readonly params: tf.Variable<tf.Rank.R1>;
  views(): Map<string, tf.Tensor>;
  /** Cached views for inference (no gradients): made once, dropped by markChanged()/dispose(). */
  inferenceViews(): Map<string, tf.Tensor>;
  values(): Float32Array;
  id(): string;
  /** Call after changing `params` (invalidates the cached id). */
  markChanged(): void;
  /** `[T, Q, N]` query logits of a meta-batch (inside a tidy / gradient scope). */
  queryLogits(views: Map<string, tf.Tensor>, batch: MetaBatch, options: { bnMode: BnMode; episodeConv?: EpisodeConvForm }): tf.Tensor3D;
  /** Population BatchNorm statistics blended into the support statistics (bn-prior.ts); null: none. */
  bnPrior: BnPrior | null;
  /** Images per class that generation fills each labelled class up to with shifted copies (support-shifts.ts); 0: off. */
  supportShifts: number;
  /** The BatchNorm statistics each block uses for this batch's episodes, `[T, C]` (inside a tidy). */
  bnStatistics(batch: MetaBatch): { mean: tf.Tensor2D; variance: tf.Tensor2D }[];
  dispose(): void;
}

export interface HyperTransformer extends EpisodicModel {
  readonly kind: 'hypertransformer';
  readonly config: HyperTransformerConfig;
  readonly plan: ModelPlan;
  readonly layout: ParamLayout;
  /** All trainable parameters, flat (see params.ts). */
  readonly params: tf.Variable<tf.Rank.R1>;
  /** Splits `params` into named tensors (call inside a tidy / gradient scope). */
  views(): Map<string, tf.Tensor>;
  /** A copy of the current parameter values. */
  values(): Float32Array;
  /** Content id: sha256 of config + weights (first 16 hex digits). */
  id(): string;
  dispose(): void;
}

/** Shared plumbing: a flat parameter variable split into named views. */
export abstract class FlatParamModel {
  readonly layout: ParamLayout;
  readonly params: tf.Variable<tf.Rank.R1>;
  private readonly sizes: number[];
  private prior: BnPrior | null = null;

  constructor(readonly config: HyperTransformerConfig, specs: ParamSpec[], values: Float32Array) {
    this.layout = makeLayout(specs);
    if (values.length !== this.layout.total) {
      throw internalError('E_MODEL_PARAMS', `expected ${this.layout.total} parameter values, got ${values.length}`);
    }
    this.params = tf.variable(tf.tensor1d(values), true, `hypertx/params/${nextId++}`);
    this.sizes = this.layout.entries.map((e) => e.size);
  }

  views(): Map<string, tf.Tensor> {
    const parts = tf.split(this.params, this.sizes, 0);
    const out = new Map<string, tf.Tensor>();
    this.layout.entries.forEach((e, i) => out.set(e.name, tf.reshape(parts[i] as tf.Tensor, e.shape)));
    return out;
  }

  get bnPrior(): BnPrior | null {
    return this.prior;
  }

  set bnPrior(prior: BnPrior | null) {
    this.prior = prior;
    this.cachedId = null;
  }

  private shifts = 0;

  get supportShifts(): number {
    return this.shifts;
  }

  set supportShifts(fill: number) {
    this.shifts = checkSupportShifts(fill);
    this.cachedId = null;
  }

  private cachedViews: Map<string, tf.Tensor> | null = null;

  inferenceViews(): Map<string, tf.Tensor> {
    if (!this.cachedViews) {
      // Not tf.tidy: it does not look inside a Map. Kept so an enclosing tidy leaves them alone.
      const parts = tf.split(this.params, this.sizes, 0);
      const views = new Map<string, tf.Tensor>();
      this.layout.entries.forEach((e, i) => views.set(e.name, tf.keep(tf.reshape(parts[i] as tf.Tensor, e.shape))));
      tf.dispose(parts);
      this.cachedViews = views;
    }
    return this.cachedViews;
  }

  private dropViews(): void {
    if (this.cachedViews) tf.dispose([...this.cachedViews.values()]);
    this.cachedViews = null;
  }

  values(): Float32Array {
    return this.params.dataSync().slice() as Float32Array;
  }

  private cachedId: string | null = null;

  markChanged(): void {
    this.cachedId = null;
    this.dropViews();
  }

  id(): string {
    if (this.cachedId) return this.cachedId;
    const h = createHash('sha256');
    h.update(`${this.constructor.name}:${configKey(this.config)}`);
    const v = this.params.dataSync() as Float32Array;
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (this.prior) {
      h.update(`bn-prior:${this.prior.weight};`);
      for (const a of [...this.prior.mean, ...this.prior.variance]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    // Part of what the model generates, so part of its id; 0 leaves older ids as they were.
    if (this.shifts) h.update(`support-shifts:${this.shifts};`);
    this.cachedId = h.digest('hex').slice(0, 16);
    return this.cachedId;
  }

  dispose(): void {
    this.dropViews();
    this.params.dispose();
  }
}

class Model extends FlatParamModel implements HyperTransformer {
  readonly kind = 'hypertransformer' as const;
  readonly plan: ModelPlan;

  constructor(config: HyperTransformerConfig, values: Float32Array) {
    const plan = planModel(config);
    super(config, paramSpecs(config, plan), values);
    this.plan = plan;
  }

  queryLogits(views: Map<string, tf.Tensor>, batch: MetaBatch, options: { bnMode: BnMode; episodeConv?: EpisodeConvForm }): tf.Tensor3D {
    const out = forward(this, views, batch, options);
    if (!out.logits) throw internalError('E_MODEL_NO_QUERIES', 'queryLogits needs a batch with query images');
    return out.logits;
  }

  bnStatistics(batch: MetaBatch): { mean: tf.Tensor2D; variance: tf.Tensor2D }[] {
    return forward(this, this.inferenceViews(), batch).blocks.map((b) => ({ mean: b.mean, variance: b.variance }));
  }
}

let nextId = 0;

/** A new model with the authors' initialisation, deterministic in `seed`. */
export function createHyperTransformer(config: HyperTransformerConfig, seed = 0): HyperTransformer {
  const plan = planModel(config);
  const layout = makeLayout(paramSpecs(config, plan));
  return new Model(config, initialValues(layout, seed));
}

/** A model from known parameter values (checkpoints). */
export function modelFromValues(config: HyperTransformerConfig, values: Float32Array): HyperTransformer {
  return new Model(config, values);
}

/** Number of trainable scalars. */
export function parameterCount(model: EpisodicModel): number {
  return model.layout.total;
}
