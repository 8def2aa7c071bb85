/** The HyperTransformer object: config, derived plan, parameter layout and the flat weights. */
import { createHash } from 'node:crypto';
import { type HyperTransformerConfig, type ModelPlan, configKey, planModel } from '../config.js';
import { internalError } from '../errors.js';
import { tf } from '../tf.js';
import { type ParamLayout, initialValues, makeLayout, paramSpecs } from './params.js';

export interface HyperTransformer {
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

class Model implements HyperTransformer {
  readonly plan: ModelPlan;
  readonly layout: ParamLayout;
  readonly params: tf.Variable<tf.Rank.R1>;
  private readonly sizes: number[];

  constructor(readonly config: HyperTransformerConfig, values: Float32Array) {
    this.plan = planModel(config);
    this.layout = makeLayout(paramSpecs(config, this.plan));
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

  values(): Float32Array {
    return this.params.dataSync().slice() as Float32Array;
  }

  id(): string {
    const h = createHash('sha256');
    h.update(configKey(this.config));
    const v = this.params.dataSync() as Float32Array;
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return h.digest('hex').slice(0, 16);
  }

  dispose(): void {
    this.params.dispose();
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
export function parameterCount(model: HyperTransformer): number {
  return model.layout.total;
}
