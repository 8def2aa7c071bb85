import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Random } from '@hypertx/export';
import { maxAbsDiff, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { conv2d, episodeConv2d, episodeConv2dIm2col, type Padding } from './conv.js';
import { dense } from './dense.js';
import { layerNorm } from './layer-norm.js';
import { maxPool } from './pool.js';

before(useWasm);

function rand(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** Runs `f` on the cpu backend (which has every built-in gradient) and returns plain arrays. */
async function onCpu<T>(f: () => T): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend(prev);
  }
}

const convCases: { h: number; w: number; cin: number; cout: number; k: number; s: number; pad: Padding }[] = [
  { h: 7, w: 7, cin: 3, cout: 4, k: 3, s: 1, pad: 'same' },
  { h: 8, w: 7, cin: 2, cout: 3, k: 3, s: 2, pad: 'same' },
  { h: 9, w: 9, cin: 2, cout: 3, k: 3, s: 2, pad: 'valid' },
  { h: 6, w: 6, cin: 3, cout: 2, k: 3, s: 1, pad: 'valid' },
  { h: 5, w: 5, cin: 3, cout: 2, k: 1, s: 1, pad: 'valid' },
  { h: 3, w: 3, cin: 2, cout: 2, k: 3, s: 2, pad: 'valid' },
];

for (const c of convCases) {
  test(`conv2d value and gradients match TF.js built-ins: ${JSON.stringify(c)}`, async () => {
    const xs = rand(2 * c.h * c.w * c.cin, 1);
    const ws = rand(c.k * c.k * c.cin * c.cout, 2);
    const ref = await onCpu(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(xs, [2, c.h, c.w, c.cin]);
        const w = tf.tensor4d(ws, [c.k, c.k, c.cin, c.cout]);
        const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, c.s, c.pad)));
        const [gx, gw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
        return { y: tf.conv2d(x, w, c.s, c.pad).dataSync().slice(), gx: gx!.dataSync().slice(), gw: gw!.dataSync().slice() };
      }),
    );
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [2, c.h, c.w, c.cin]);
      const w = tf.tensor4d(ws, [c.k, c.k, c.cin, c.cout]);
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(conv2d(a, b, c.s, c.pad)));
      const [gx, gw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
      assert.ok(maxAbsDiff(conv2d(x, w, c.s, c.pad).dataSync(), ref.y) < 1e-4, 'value');
      assert.ok(maxAbsDiff(gx!.dataSync(), ref.gx) < 1e-3, `dx differs by ${maxAbsDiff(gx!.dataSync(), ref.gx)}`);
      assert.ok(maxAbsDiff(gw!.dataSync(), ref.gw) < 1e-3, `dw differs by ${maxAbsDiff(gw!.dataSync(), ref.gw)}`);
    });
  });
}

test('episodeConv2d equals one conv per episode, gradients included', () => {
  tf.tidy(() => {
    const x = tf.tensor4d(rand(3 * 2 * 6 * 6 * 2, 3), [6, 6, 6, 2]);
    const w = tf.tensor5d(rand(3 * 3 * 3 * 2 * 4, 4), [3, 3, 3, 2, 4]);
    const f = (a: tf.Tensor4D, b: tf.Tensor5D) => tf.sum(tf.square(episodeConv2d(a, b, 1, 'same')));
    const [gx, gw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
    const parts = tf.split(x, 3, 0);
    const ws = tf.unstack(w);
    const g = (a: tf.Tensor4D[], b: tf.Tensor4D[]) => tf.addN(a.map((ai, t) => tf.sum(tf.square(conv2d(ai, b[t]!, 1, 'same')))));
    const grads = tf.grads(((...t: tf.Tensor4D[]) => g(t.slice(0, 3), t.slice(3))) as (...t: tf.Tensor[]) => tf.Tensor)([...parts, ...ws]);
    assert.ok(maxAbsDiff(gx!.dataSync(), tf.concat(grads.slice(0, 3), 0).dataSync()) < 1e-4);
    assert.ok(maxAbsDiff(gw!.dataSync(), tf.stack(grads.slice(3)).dataSync()) < 1e-4);
  });
});

test('maxPool and its gradient match TF.js (first maximum wins on ties)', async () => {
  const values = rand(2 * 7 * 6 * 3, 5).map((v) => Math.round(v * 2) / 2); // many ties
  const dys = rand(2 * 3 * 3 * 3, 6);
  const ref = await onCpu(() =>
    tf.tidy(() => {
      const x = tf.tensor4d(values, [2, 7, 6, 3]);
      const dy = tf.tensor4d(dys, [2, 3, 3, 3]);
      const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, "valid"), dy)))(x);
      return { y: tf.maxPool(x, 2, 2, 'valid').dataSync().slice(), gx: gx.dataSync().slice() };
    }),
  );
  tf.tidy(() => {
    const x = tf.tensor4d(values, [2, 7, 6, 3]);
    const dy = tf.tensor4d(dys, [2, 3, 3, 3]);
    const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPool(a as tf.Tensor4D, 2), dy)))(x);
    assert.equal(maxAbsDiff(maxPool(x, 2).dataSync(), ref.y), 0); // inference path (tf.maxPool)
    let taped: tf.Tensor = tf.zeros([1]);
    tf.grad((a: tf.Tensor) => {
      taped = tf.keep(maxPool(a as tf.Tensor4D, 2));
      return tf.sum(taped);
    })(x);
    assert.equal(maxAbsDiff(taped.dataSync(), ref.y), 0); // training path (argmax kernel)
    assert.ok(maxAbsDiff(gx.dataSync(), ref.gx) < 1e-6, `gradient differs by ${maxAbsDiff(gx.dataSync(), ref.gx)}`);
  });
});

test('dense and layerNorm gradients match autodiff', () => {
  tf.tidy(() => {
    const x = tf.tensor2d(rand(5 * 6, 7), [5, 6]);
    const w = tf.tensor2d(rand(6 * 4, 8), [6, 4]);
    const b = tf.tensor1d(rand(4, 9));
    const fast = tf.grads(((a: tf.Tensor2D, c: tf.Tensor2D, d: tf.Tensor1D) => tf.sum(tf.square(dense(a, c, d, 'relu')))) as (...t: tf.Tensor[]) => tf.Tensor)([x, w, b]);
    const slow = tf.grads(((a: tf.Tensor2D, c: tf.Tensor2D, d: tf.Tensor1D) => tf.sum(tf.square(tf.relu(tf.add(tf.matMul(a, c), d))))) as (...t: tf.Tensor[]) => tf.Tensor)([x, w, b]);
    fast.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), slow[i]!.dataSync()) < 1e-4, `dense grad ${i}`));
    const g1 = tf.tensor1d(rand(6, 10));
    const b1 = tf.tensor1d(rand(6, 11));
    const target = tf.tensor2d(rand(30, 12), [5, 6]);
    const ln = (a: tf.Tensor2D, g: tf.Tensor1D, c: tf.Tensor1D) => {
      const m = tf.mean(a, 1, true);
      const v = tf.mean(tf.square(tf.sub(a, m)), 1, true);
      return tf.add(tf.mul(tf.div(tf.sub(a, m), tf.sqrt(tf.add(v, 1e-6))), g), c);
    };
    const fastLn = tf.grads(((a: tf.Tensor2D, g: tf.Tensor1D, c: tf.Tensor1D) => tf.sum(tf.mul(layerNorm(a, g, c, 1e-6), target))) as (...t: tf.Tensor[]) => tf.Tensor)([x, g1, b1]);
    const slowLn = tf.grads(((a: tf.Tensor2D, g: tf.Tensor1D, c: tf.Tensor1D) => tf.sum(tf.mul(ln(a, g, c), target))) as (...t: tf.Tensor[]) => tf.Tensor)([x, g1, b1]);
    assert.ok(maxAbsDiff(layerNorm(x, g1, b1, 1e-6).dataSync(), ln(x, g1, b1).dataSync()) < 1e-5);
    fastLn.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), slowLn[i]!.dataSync()) < 1e-4, `layerNorm grad ${i}`));
  });
});

test('wasm Slice/SplitV/Unpack replacements return the same values as the cpu backend', async () => {
  const vals = rand(4 * 5 * 6, 13);
  const ref = await onCpu(() =>
    tf.tidy(() => {
      const x = tf.tensor3d(vals, [4, 5, 6]);
      return [tf.slice(x, [1, 2, 3], [2, 2, 2]), ...tf.split(x, [1, 3], 0), ...tf.split(x, 3, 2), ...tf.unstack(x, 1)].map((t) => Array.from(t.dataSync()));
    }),
  );
  tf.tidy(() => {
    const x = tf.tensor3d(vals, [4, 5, 6]);
    const got = [tf.slice(x, [1, 2, 3], [2, 2, 2]), ...tf.split(x, [1, 3], 0), ...tf.split(x, 3, 2), ...tf.unstack(x, 1)].map((t) => Array.from(t.dataSync()));
    assert.deepEqual(got, ref);
  });
});

test('wasm BatchMatMul replacement matches the cpu backend (batches, transposes, broadcasting)', async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 4, 5], [3, 5, 2], false, false],
    [[3, 5, 4], [3, 5, 2], true, false],
    [[3, 4, 5], [3, 2, 5], false, true],
    [[2, 3, 5, 4], [2, 3, 2, 5], true, true],
    [[5, 4], [5, 3], true, false],
    [[3, 4, 5], [5, 2], false, false],
    [[1, 4, 5], [3, 5, 2], false, false],
  ];
  const data = cases.map(([sa, sb], i) => [rand(sa.reduce((x, y) => x * y, 1), 20 + i), rand(sb.reduce((x, y) => x * y, 1), 40 + i)] as const);
  const run = () => tf.tidy(() => cases.map(([sa, sb, ta, tb], i) => Array.from(tf.matMul(tf.tensor(data[i]![0], sa), tf.tensor(data[i]![1], sb), ta, tb).dataSync())));
  const ref = await onCpu(run);
  const got = run();
  got.forEach((g, i) => assert.ok(maxAbsDiff(g, ref[i]!) < 1e-4, `case ${i}`));
});

test('wasm Sum/Mean replacements match the cpu backend on middle-axis reductions', async () => {
  const vals = rand(3 * 4 * 5 * 6, 60);
  const big = rand(64 * 8 * 8 * 64, 61); // large enough for the replacement path
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(vals, [3, 4, 5, 6]);
      const y = tf.tensor4d(big, [64, 8, 8, 64]);
      return [tf.sum(x, [0, 1, 2]), tf.mean(x, [1, 2], true), tf.sum(x, 0), tf.mean(x, [0, 1]), tf.sum(x, [2, 3]), tf.sum(x, [0, 2]), tf.mean(x), tf.sum(y, [0, 1, 2]), tf.mean(y, [0, 1, 2], true)].map((t) => [t.shape, Array.from(t.dataSync())]);
    });
  const ref = await onCpu(run);
  const got = run();
  got.forEach(([shape, v], i) => {
    assert.deepEqual(shape, ref[i]![0]);
    assert.ok(maxAbsDiff(v as number[], ref[i]![1] as number[]) < 1e-3, `case ${i}`);
  });
});

test('the im2col + batched-matMul form equals episodeConv2d, gradients included', () => {
  tf.tidy(() => {
    const x = tf.tensor4d(rand(3 * 2 * 6 * 5 * 2, 80), [6, 6, 5, 2]);
    const w = tf.tensor5d(rand(3 * 3 * 3 * 2 * 4, 81), [3, 3, 3, 2, 4]);
    const up = tf.tensor4d(rand(6 * 6 * 5 * 4, 82), [6, 6, 5, 4]);
    const a = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(episodeConv2dIm2col(p as tf.Tensor4D, q as tf.Tensor5D, 'same'), up)))([x, w]);
    const b = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(episodeConv2d(p as tf.Tensor4D, q as tf.Tensor5D, 1, 'same'), up)))([x, w]);
    assert.ok(maxAbsDiff(episodeConv2dIm2col(x, w, 'same').dataSync(), episodeConv2d(x, w, 1, 'same').dataSync()) < 1e-4);
    a.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), b[i]!.dataSync()) < 1e-4, `gradient ${i}`));
  });
});
