/**
 * 2×2 (or s×s) max pooling, stride = size, 'valid', with a scatter gradient.
 *
 * Why: the wasm `MaxPoolGrad` kernel is a slow reference loop (10.9 ms for 80×28×28×8 against
 * 4.5 ms for argmax + scatterND, measured). The argmax picks the first maximum, as TF does. On
 * wasm both halves run as JS loops over heap views (wasm-kernels.ts).
 */
import { tf } from '../tf.js';
import { tapeOn } from './conv.js';
import { MAX_POOL_SCATTER } from '../wasm-kernels.js';

type PoolFn = (x: tf.Tensor4D) => tf.Tensor4D;
const cache = new Map<number, PoolFn>();

function make(size: number): PoolFn {
  return tf.customGrad((...args: unknown[]) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const [y, argmax] = tf.engine().runKernel('MaxPoolWithArgmax', { x }, { filterSize: size, strides: size, pad: 'valid', includeBatchInIndex: true }) as unknown as [tf.Tensor4D, tf.Tensor];
    save([argmax, x]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [idx, sx] = saved as [tf.Tensor, tf.Tensor4D];
        if (tf.getKernel(MAX_POOL_SCATTER, tf.getBackend())) {
          return [tf.engine().runKernel(MAX_POOL_SCATTER, { dy, argmax: idx }, { shape: sx.shape }) as tf.Tensor4D];
        }
        const flat = tf.scatterND(tf.reshape(idx, [-1, 1]), tf.reshape(dy, [-1]), [sx.size]);
        return [tf.reshape(flat, sx.shape)];
      },
    };
  }) as unknown as PoolFn;
}

export function maxPool(x: tf.Tensor4D, size = 2): tf.Tensor4D {
  if (!tapeOn()) return tf.maxPool(x, size, size, 'valid');
  let fn = cache.get(size);
  if (!fn) {
    fn = make(size);
    cache.set(size, fn);
  }
  return fn(x);
}
