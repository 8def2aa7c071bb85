/**
 * Optimisers over the one flat parameter vector: a few ops per step, and state that is plain
 * Float32Arrays (so checkpoints resume bit-exactly). SGD is the authors' optimiser.
 */
import { usageError } from '../errors.js';
import { readAhead } from '../read.js';
import { tf } from '../tf.js';

export type OptimizerConfig = { name: 'sgd'; momentum?: number } | { name: 'adam'; beta1?: number; beta2?: number; epsilon?: number };

export interface OptimizerState {
  name: 'sgd' | 'adam';
  hyper: Record<string, number>;
  /** Number of updates applied. */
  t: number;
  /** Slot vectors (momentum, first/second moments), each the size of the parameter vector. */
  slots: Record<string, Float32Array>;
}

export class FlatOptimizer {
  private slots = new Map<string, tf.Variable<tf.Rank.R1>>();
  private t = 0;
  readonly name: 'sgd' | 'adam';
  readonly hyper: Record<string, number>;

  constructor(config: OptimizerConfig, size: number, state?: OptimizerState) {
    this.name = config.name;
    if (config.name === 'sgd') {
      this.hyper = { momentum: config.momentum ?? 0 };
      if (this.hyper['momentum']) this.slots.set('momentum', tf.variable(tf.zeros([size]), false));
    } else if (config.name === 'adam') {
      this.hyper = { beta1: config.beta1 ?? 0.9, beta2: config.beta2 ?? 0.999, epsilon: config.epsilon ?? 1e-8 };
      this.slots.set('m', tf.variable(tf.zeros([size]), false));
      this.slots.set('v', tf.variable(tf.zeros([size]), false));
    } else {
      throw usageError('E_TRAIN_OPTIMIZER', `unknown optimizer ${JSON.stringify(config)}`, { hint: "use {name: 'sgd'} or {name: 'adam'}" });
    }
    if (state) this.restore(state, size);
  }

  private restore(state: OptimizerState, size: number): void {
    if (state.name !== this.name) throw usageError('E_CHECKPOINT_OPTIMIZER', `checkpoint optimizer is ${state.name}, training asks for ${this.name}`);
    this.t = state.t;
    for (const [key, slot] of this.slots) {
      const data = state.slots[key];
      if (!data || data.length !== size) throw usageError('E_CHECKPOINT_OPTIMIZER', `checkpoint optimizer slot "${key}" is missing or has the wrong size`);
      slot.assign(tf.tensor1d(data));
    }
  }

  /** Applies one update: `params ← params − lr·direction(grad)`. */
  apply(params: tf.Variable<tf.Rank.R1>, grad: tf.Tensor1D, lr: number): void {
    this.t += 1;
    tf.tidy(() => {
      if (this.name === 'sgd') {
        const mom = this.slots.get('momentum');
        if (mom) {
          const next = tf.add(tf.mul(mom, this.hyper['momentum'] as number), grad) as tf.Tensor1D;
          mom.assign(next);
          params.assign(tf.sub(params, tf.mul(next, lr)));
        } else {
          params.assign(tf.sub(params, tf.mul(grad, lr)));
        }
        return;
      }
      const { beta1, beta2, epsilon } = this.hyper as { beta1: number; beta2: number; epsilon: number };
      const m = this.slots.get('m') as tf.Variable<tf.Rank.R1>;
      const v = this.slots.get('v') as tf.Variable<tf.Rank.R1>;
      const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1)) as tf.Tensor1D;
      const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2)) as tf.Tensor1D;
      m.assign(m1);
      v.assign(v1);
      const stepSize = (lr * Math.sqrt(1 - Math.pow(beta2, this.t))) / (1 - Math.pow(beta1, this.t));
      params.assign(tf.sub(params, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), stepSize)));
    });
  }

  /** The slot variables (to read ahead before `state()` on the webgpu backend). */
  slotTensors(): tf.Tensor[] {
    return [...this.slots.values()];
  }

  state(): OptimizerState {
    const slots: Record<string, Float32Array> = {};
    for (const [key, slot] of this.slots) slots[key] = slot.dataSync().slice() as Float32Array;
    return { name: this.name, hyper: { ...this.hyper }, t: this.t, slots };
  }

  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }
}

/**
 * Scales `grad` so its L2 norm is at most `maxNorm`; returns the scaled gradient (`grad` itself when
 * unchanged, else a new tensor the caller disposes) and the norm before clipping.
 */
export async function clipByGlobalNorm(grad: tf.Tensor1D, maxNorm: number | undefined): Promise<{ grad: tf.Tensor1D; norm: number }> {
  const normTensor = tf.tidy(() => tf.sqrt(tf.sum(tf.square(grad)))); // tf.norm goes through pow(abs(x), 2)
  await readAhead([normTensor]);
  const norm = normTensor.dataSync()[0] as number;
  normTensor.dispose();
  if (!maxNorm || !(norm > maxNorm)) return { grad, norm };
  return { grad: tf.mul(grad, maxNorm / norm) as tf.Tensor1D, norm };
}
