import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Layer, StandaloneCnn } from './ir.js';
import { runReference } from './reference.js';

function model(height: number, width: number, channels: number, layers: Layer[], classes: number, offset = 0): StandaloneCnn {
  return {
    input: {
      height,
      width,
      channels,
      normalization: { scale: Array(channels).fill(1), offset: Array(channels).fill(offset) },
    },
    labels: Array.from({ length: classes }, (_, i) => `c${i}`),
    layers,
    metadata: { producer: 'test' },
  };
}

const identityDense = (n: number): Layer => {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { type: 'dense', weights: { shape: [n, n], data } };
};

const iota = (n: number, start = 1) => Float32Array.from({ length: n }, (_, i) => i + start);

test('conv "same" stride 2 on an even size pads bottom/right (TF semantics)', () => {
  const m = model(4, 4, 1, [
    { type: 'conv2d', weights: { shape: [3, 3, 1, 1], data: new Float32Array(9).fill(1) }, stride: 2, padding: 'same' },
    { type: 'flatten' },
    identityDense(4),
  ], 4);
  const out = runReference(m, iota(16), 1);
  assert.deepEqual([...out.logits], [54, 45, 72, 54]);
  assert.deepEqual(out.shape, [1, 4]);
});

test('normalisation is applied per channel and flatten is NHWC row-major', () => {
  // 1x2 image with 2 channels: pixels [p(0,0,c0), p(0,0,c1), p(0,1,c0), p(0,1,c1)].
  const m = model(1, 2, 2, [{ type: 'flatten' }, identityDense(4)], 4);
  m.input.normalization = { scale: [2, 10], offset: [1, -1] };
  const out = runReference(m, Float32Array.from([1, 2, 3, 4]), 1);
  assert.deepEqual([...out.logits], [3, 19, 7, 39]);
});

test('1x1 conv mixes channels with HWIO weights', () => {
  // weights [1,1,cin=2,cout=3]: w[ci][co]
  const w = Float32Array.from([1, 2, 3, 10, 20, 30]);
  const m = model(1, 1, 2, [
    { type: 'conv2d', weights: { shape: [1, 1, 2, 3], data: w }, bias: { shape: [3], data: Float32Array.from([0.5, 0, 0]) }, stride: 1, padding: 'valid' },
    { type: 'flatten' },
    identityDense(3),
  ], 3);
  const out = runReference(m, Float32Array.from([1, 2]), 1);
  assert.deepEqual([...out.logits], [21.5, 42, 63]);
});

test('max pool "same" ignores padding, avg pool "same" divides by the valid cells', () => {
  const pixels = iota(9); // 3x3, minus 100 → all negative, so a zero pad would win a max
  const maxModel = model(3, 3, 1, [{ type: 'maxpool2d', size: 2, stride: 2, padding: 'same' }, { type: 'flatten' }, identityDense(4)], 4, -100);
  assert.deepEqual([...runReference(maxModel, pixels, 1).logits], [5 - 100, 6 - 100, 8 - 100, 9 - 100]);
  const avgModel = model(3, 3, 1, [{ type: 'avgpool2d', size: 2, stride: 2, padding: 'same' }, { type: 'flatten' }, identityDense(4)], 4);
  assert.deepEqual([...runReference(avgModel, pixels, 1).logits], [(1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9]);
});

test('batchnorm, leaky relu, global average pool and a trailing softmax', () => {
  const m = model(2, 1, 2, [
    {
      type: 'batchnorm',
      mean: { shape: [2], data: Float32Array.from([1, 2]) },
      variance: { shape: [2], data: Float32Array.from([3, 0]) },
      gamma: { shape: [2], data: Float32Array.from([2, 1]) },
      beta: { shape: [2], data: Float32Array.from([0.5, -1]) },
      epsilon: 1,
    },
    { type: 'leaky_relu', alpha: 0.5 },
    { type: 'global_avg_pool' },
    identityDense(2),
    { type: 'softmax' },
  ], 2);
  // pixels (h0: c0=3, c1=0), (h1: c0=1, c1=6)
  const out = runReference(m, Float32Array.from([3, 0, 1, 6]), 1);
  const bn = (x: number, c: number) => (c === 0 ? ((x - 1) / 2) * 2 + 0.5 : (x - 2) / 1 - 1);
  const leaky = (v: number) => (v >= 0 ? v : v * 0.5);
  const expected = [(leaky(bn(3, 0)) + leaky(bn(1, 0))) / 2, (leaky(bn(0, 1)) + leaky(bn(6, 1))) / 2];
  assert.ok(Math.abs(out.logits[0]! - expected[0]!) < 1e-12);
  assert.ok(Math.abs(out.logits[1]! - expected[1]!) < 1e-12);
  const e = expected.map(Math.exp);
  assert.ok(Math.abs(out.probabilities[0]! - e[0]! / (e[0]! + e[1]!)) < 1e-12);
});

test('batches are independent and wrong pixel counts are rejected', () => {
  const m = model(1, 2, 1, [{ type: 'flatten' }, identityDense(2)], 2);
  const out = runReference(m, Float32Array.from([1, 2, 3, 4, 5, 6]), 3);
  assert.deepEqual([...out.logits], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(out.shape, [3, 2]);
  assert.throws(() => runReference(m, new Float32Array(5), 3), /pixels have 5 values, but 3 image\(s\) of 1x2x1 need 6/);
});
