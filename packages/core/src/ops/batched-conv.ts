/**
 * The per-episode convolution of a meta-batch in a fixed number of kernel dispatches, however
 * many episodes it holds ('Episodes per step' in docs/training.md): im2col of all images at once,
 * then ONE batched matMul `[T, M·P, k·k·Cin] × [T, k·k·Cin, Cout]` (episode t's rows times kernel t).
 *
 * The gradient is written by hand (not autodiff through im2col) so that it needs forward ops only
 * and no saved im2col buffer (nine times the input; it is rebuilt in the backward pass):
 * - filter gradient: colsᵀ × dy, one batched matMul (and a transpose);
 * - input gradient: the same batched conv of dy with the kernels flipped and Cin/Cout swapped,
 *   padded by k − 1 − pad (the stride-1 transposed convolution).
 *
 * Stride 1 only (every preset's generated convs); `episodeConv2d` in conv.ts covers other strides
 * with one conv per episode.
 */
import { tf } from '../tf.js';
import { type Padding, convGeometry, tapeOn } from './conv.js';
import { type Im2colGeometry, im2col } from './im2col.js';

/** `x` `[T·M, H, W, Cin]` (episode-major) ⊛ `w` `[T, k, k, Cin, Cout]` with stride 1. */
function convByIm2col(x: tf.Tensor4D, w: tf.Tensor5D, g: Im2colGeometry): tf.Tensor4D {
  const [T, k, , cin, cout] = w.shape;
  const rows = x.shape[0];
  const cols = tf.reshape(im2col(x, g), [T, (rows / T) * g.outH * g.outW, k * k * cin]);
  const y = tf.matMul(cols, tf.reshape(w, [T, k * k * cin, cout]));
  return tf.reshape(y, [rows, g.outH, g.outW, cout]);
}

/** Kernels for the input gradient: spatially flipped, Cin and Cout swapped → `[T, k, k, Cout, Cin]`. */
function transposedKernels(w: tf.Tensor5D): tf.Tensor5D {
  const [T, k, , cin, cout] = w.shape;
  const flipped = tf.reverse(tf.reshape(w, [T, k, k, cin * cout]), [1, 2]);
  const swapped = tf.transpose(tf.reshape(flipped, [T * k * k, cin, cout]), [0, 2, 1]);
  return tf.reshape(swapped, [T, k, k, cout, cin]);
}

type BatchedConvFn = (x: tf.Tensor4D, w: tf.Tensor5D) => tf.Tensor4D;
const cache = new Map<string, BatchedConvFn>();

export function canBatchEpisodeConv(stride: number): boolean {
  return stride === 1;
}

/**
 * Per-episode convolution (stride 1): `x` `[T·M, H, W, Cin]`, `w` `[T, k, k, Cin, Cout]`; episode
 * t's images use kernel t. `needInputGrad = false` skips the input gradient (raw images).
 */
export function batchedEpisodeConv2d(x: tf.Tensor4D, w: tf.Tensor5D, padding: Padding, needInputGrad = true): tf.Tensor4D {
  const [T, k] = w.shape;
  if (x.shape[0] % T !== 0) throw new Error(`batchedEpisodeConv2d: ${x.shape[0]} images do not split into ${T} episodes`);
  const [, inH, inW] = x.shape;
  const geo = convGeometry(inH, inW, k, 1, padding);
  const g: Im2colGeometry = { k, padTop: geo.padTop, padLeft: geo.padLeft, outH: geo.outH, outW: geo.outW };
  if (!tapeOn()) return convByIm2col(x, w, g);
  const key = `${inH}x${inW}:${k}:${padding}:${needInputGrad}`;
  let fn = cache.get(key);
  if (!fn) {
    // The input gradient is a conv of dy (outH × outW) back onto the input grid.
    const back: Im2colGeometry = { k, padTop: k - 1 - g.padTop, padLeft: k - 1 - g.padLeft, outH: inH, outW: inW };
    fn = tf.customGrad((...args: unknown[]) => {
      const [cx, cw, save] = args as [tf.Tensor4D, tf.Tensor5D, tf.GradSaveFunc];
      save([cx, cw]);
      return {
        value: convByIm2col(cx, cw, g),
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor5D];
          // tidy: the rebuilt im2col buffers go as soon as each gradient is formed.
          return tf.tidy(() => {
            const [episodes, , , cin, cout] = sw.shape;
            const perEpisode = (sx.shape[0] / episodes) * g.outH * g.outW;
            const cols = tf.reshape(im2col(sx, g), [episodes, perEpisode, k * k * cin]);
            // (dyᵀ · cols)ᵀ rather than colsᵀ · dy: a transposed operand is copied, and dy is k·k·Cin/Cout times smaller.
            const dwT = tf.matMul(tf.reshape(dy, [episodes, perEpisode, cout]), cols, true, false);
            const dw = tf.reshape(tf.transpose(dwT, [0, 2, 1]), sw.shape);
            const dx = needInputGrad ? convByIm2col(dy, transposedKernels(sw), back) : tf.zerosLike(sx);
            return [dx, dw];
          });
        },
      };
    }) as unknown as BatchedConvFn;
    cache.set(key, fn);
  }
  return fn(x, w);
}
