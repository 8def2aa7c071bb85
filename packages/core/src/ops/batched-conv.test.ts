import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Random } from '@hypertx/export';
import { countDispatches } from '../dispatches.js';
import { maxAbsDiff, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { batchedEpisodeConv2d } from './batched-conv.js';
import { type Padding, episodeConv2d } from './conv.js';
import { im2col, im2colFromOps } from './im2col.js';

before(useWasm);

function rand(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** Value, input gradient and filter gradient of `conv` under a random upstream gradient. */
function valueAndGrads(conv: (x: tf.Tensor4D, w: tf.Tensor5D) => tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor5D, up: tf.Tensor4D): Float32Array[] {
  return tf.tidy(() => {
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor5D), up)))([x, w]);
    return [conv(x, w).dataSync() as Float32Array, gx!.dataSync() as Float32Array, gw!.dataSync() as Float32Array];
  });
}

const cases: { T: number; M: number; h: number; w: number; cin: number; cout: number; k: number; pad: Padding; inputGrad: boolean }[] = [
  { T: 3, M: 2, h: 6, w: 5, cin: 2, cout: 4, k: 3, pad: 'same', inputGrad: true },
  { T: 2, M: 3, h: 7, w: 7, cin: 1, cout: 3, k: 3, pad: 'same', inputGrad: false },
  { T: 4, M: 1, h: 6, w: 6, cin: 3, cout: 2, k: 3, pad: 'valid', inputGrad: true },
  { T: 2, M: 2, h: 5, w: 6, cin: 2, cout: 2, k: 2, pad: 'same', inputGrad: true },
  { T: 1, M: 4, h: 3, w: 3, cin: 8, cout: 8, k: 3, pad: 'same', inputGrad: true },
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const c of cases) {
    test(`[${backend}] batched per-episode conv equals one conv per episode, both gradients: ${JSON.stringify(c)}`, async () => {
      const previous = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const x = tf.tensor4d(rand(c.T * c.M * c.h * c.w * c.cin, 1), [c.T * c.M, c.h, c.w, c.cin]);
        const w = tf.tensor5d(rand(c.T * c.k * c.k * c.cin * c.cout, 2), [c.T, c.k, c.k, c.cin, c.cout]);
        const outShape = episodeConv2d(x, w, 1, c.pad).shape;
        const up = tf.tensor4d(rand(outShape.reduce((a, b) => a * b, 1), 3), outShape);
        const perEpisode = valueAndGrads((a, b) => episodeConv2d(a, b, 1, c.pad, c.inputGrad), x, w, up);
        const batched = valueAndGrads((a, b) => batchedEpisodeConv2d(a, b, c.pad, c.inputGrad), x, w, up);
        ['value', 'dx', 'dw'].forEach((name, i) => assert.ok(maxAbsDiff(batched[i]!, perEpisode[i]!) < 1e-4, `${name} differs by ${maxAbsDiff(batched[i]!, perEpisode[i]!)}`));
        if (!c.inputGrad) assert.ok(batched[1]!.every((v) => v === 0), 'no input gradient when none is needed');
        tf.dispose([x, w, up]);
      } finally {
        await tf.setBackend(previous);
      }
    });
  }
}

test('im2col from plain ops (the GPU path) equals the HypertxIm2col kernel', () => {
  tf.tidy(() => {
    const x = tf.tensor4d(rand(2 * 5 * 4 * 3, 4), [2, 5, 4, 3]);
    for (const g of [
      { k: 3, padTop: 1, padLeft: 1, outH: 5, outW: 4 },
      { k: 3, padTop: 0, padLeft: 0, outH: 3, outW: 2 },
      { k: 3, padTop: 2, padLeft: 1, outH: 5, outW: 4 },
      { k: 2, padTop: 0, padLeft: 0, outH: 5, outW: 4 },
    ]) {
      const kernel = im2col(x, g);
      const ops = im2colFromOps(x, g);
      assert.deepEqual(ops.shape, kernel.shape);
      assert.deepEqual(ops.dataSync(), kernel.dataSync(), JSON.stringify(g));
    }
  });
});

test('the batched conv dispatches as many kernels for 32 episodes as for 2 (forward and backward); per-episode grows', () => {
  const dispatches = (T: number, conv: (x: tf.Tensor4D, w: tf.Tensor5D) => tf.Tensor4D) =>
    tf.tidy(() => {
      const x = tf.ones([T * 2, 6, 6, 2]) as tf.Tensor4D;
      const w = tf.ones([T, 3, 3, 2, 3]) as tf.Tensor5D;
      return countDispatches(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv(a as tf.Tensor4D, b as tf.Tensor5D)))([x, w])).total;
    });
  const batched = (x: tf.Tensor4D, w: tf.Tensor5D) => batchedEpisodeConv2d(x, w, 'same');
  const perEpisode = (x: tf.Tensor4D, w: tf.Tensor5D) => episodeConv2d(x, w, 1, 'same');
  assert.equal(dispatches(32, batched), dispatches(2, batched));
  assert.ok(dispatches(32, perEpisode) > dispatches(2, perEpisode) + 30, 'the per-episode form launches kernels per episode');
});
