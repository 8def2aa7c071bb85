/**
 * LayerNorm over the last axis with an analytic gradient (about half the ops of the autodiff
 * version, which matters because the transformer steps are dominated by per-op overhead).
 */
import { tf } from '../tf.js';
import { tapeOn } from './conv.js';

type LayerNormFn = (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;

const cache = new Map<number, LayerNormFn>();

function make(epsilon: number): LayerNormFn {
  return tf.customGrad((...args: unknown[]) => {
    const [x, gamma, beta, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(x, 1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), 1, true);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centred, rstd);
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sgamma] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dxhat = tf.mul(dy, sgamma);
        const meanD = tf.mean(dxhat, 1, true);
        const meanDX = tf.mean(tf.mul(dxhat, sxhat), 1, true);
        const dx = tf.mul(srstd, tf.sub(tf.sub(dxhat, meanD), tf.mul(sxhat, meanDX)));
        return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
      },
    };
  }) as unknown as LayerNormFn;
}

/** `(x − mean) / sqrt(var + ε) · γ + β` over the last axis of `[M, E]`. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  if (!tapeOn()) {
    const centred = tf.sub(x, tf.mean(x, 1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), epsilon));
    return tf.add(tf.mul(tf.mul(centred, rstd), gamma), beta) as tf.Tensor2D;
  }
  let fn = cache.get(epsilon);
  if (!fn) {
    fn = make(epsilon);
    cache.set(epsilon, fn);
  }
  return fn(x, gamma, beta);
}
