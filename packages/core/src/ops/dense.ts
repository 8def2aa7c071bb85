/**
 * Dense layer `y = act(x·W + b)` with a hand-written gradient.
 *
 * Why: on the wasm backend only non-transposed 2-D matMuls take the fast XNNPACK path; the
 * built-in MatMul gradient uses `transposeA/transposeB`, which fall back to a naive loop that is
 * 8–10× slower (measured: 1.9 ms vs 0.2 ms for 224×104×104). Transposing explicitly first is cheap.
 */
import { tf } from '../tf.js';
import { tapeOn } from './conv.js';

export type DenseActivation = 'linear' | 'relu';

/** matMul + add (+ relu): 2–3 kernel calls; tf.fused.matMul adds ~4 engine-level reshapes per call. */
function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: DenseActivation): tf.Tensor2D {
  let y: tf.Tensor2D = tf.matMul(x, w);
  if (b) y = tf.add(y, b);
  return activation === 'relu' ? tf.relu(y) : y;
}

type Dense = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
type DenseNoBias = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

function makeDense(activation: DenseActivation): Dense {
  return tf.customGrad(((...args: unknown[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = affine(x, w, b, activation);
    save(activation === 'relu' ? [x, w, y] : [x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D?];
        const g = sy ? tf.mul(dy, tf.step(sy)) : dy;
        return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), tf.sum(g, 0)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Dense;
}

const matmulNoBias: DenseNoBias = tf.customGrad(((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as DenseNoBias;

const denseByActivation: Record<DenseActivation, Dense> = { linear: makeDense('linear'), relu: makeDense('relu') };

/** `act(x·W + b)`, x `[M, K]`, W `[K, N]`, b `[N]`. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: DenseActivation = 'linear'): tf.Tensor2D {
  if (!tapeOn()) return affine(x, w, b, activation);
  if (b === null) {
    const y = matmulNoBias(x, w);
    return activation === 'relu' ? tf.relu(y) : y;
  }
  return denseByActivation[activation](x, w, b);
}

/** `x·W` with the fast-path gradient (no bias). */
export function matMul2d(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (!tapeOn()) return tf.matMul(x, w);
  return matmulNoBias(x, w);
}
