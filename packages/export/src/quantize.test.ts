import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  activationQuantParams,
  calibrateRanges,
  dequantizeValue,
  quantizeBias,
  quantizeMultiplier,
  quantizeValue,
  quantizeWeightsPerChannel,
  quantizeWeightsPerTensor,
} from './quantize.js';
import { forwardPass } from './reference.js';
import { randomCnn, randomPixels } from './testing/index.js';

test('quantizeMultiplier: Q31 multiplier and shift reconstruct the real value', () => {
  for (const real of [1, 0.5, 0.75, 1e-3, 0.0001234, 3.99, 123.456, 2 ** -20]) {
    const { multiplier, shift } = quantizeMultiplier(real);
    assert.ok(multiplier >= 2 ** 30 && multiplier < 2 ** 31, `multiplier ${multiplier} for ${real}`);
    const back = multiplier * 2 ** (shift - 31);
    assert.ok(Math.abs(back - real) <= real * 2 ** -30, `${real} → ${back}`);
  }
  assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 2 ** 30, shift: 0 });
  assert.throws(() => quantizeMultiplier(-1), /cannot quantise the multiplier -1/);
});

test('activation params: range widened to include 0, zero is exact', () => {
  const relu = activationQuantParams(0.5, 6);
  assert.equal(relu.zeroPoint, -128);
  assert.equal(relu.scale, Math.fround(6 / 255));
  const neg = activationQuantParams(-4, -1);
  assert.equal(neg.zeroPoint, 127);
  const mixed = activationQuantParams(-1, 3);
  assert.equal(quantizeValue(0, mixed), mixed.zeroPoint);
  assert.ok(Math.abs(dequantizeValue(quantizeValue(2.2, mixed), mixed) - 2.2) <= mixed.scale / 2 + 1e-12);
  assert.equal(quantizeValue(100, mixed), 127);
  assert.equal(quantizeValue(-100, mixed), -128);
  assert.deepEqual(activationQuantParams(0, 0), { scale: 1, zeroPoint: -128 });
});

test('per-channel weights: one symmetric scale per channel, values in [-127, 127]', () => {
  // HWIO [1,1,2,3]: channel axis 3; channel 0 max 2, channel 1 max 0.5, channel 2 all zero.
  const t = { shape: [1, 1, 2, 3], data: Float32Array.from([2, 0.5, 0, -1, -0.25, 0]) };
  const q = quantizeWeightsPerChannel(t, 3);
  assert.deepEqual([...q.scales], [Math.fround(2 / 127), Math.fround(0.5 / 127), 1]);
  assert.deepEqual([...q.data], [127, 127, 0, -64, -64, 0]);
  const axis0 = quantizeWeightsPerChannel({ shape: [2, 3], data: Float32Array.from([1, -2, 0.5, 4, 1, 2]) }, 0);
  assert.deepEqual([...axis0.scales], [Math.fround(2 / 127), Math.fround(4 / 127)]);
  assert.throws(() => quantizeWeightsPerChannel(t, 4), /channel axis 4 is out of range/);
  const pt = quantizeWeightsPerTensor({ shape: [3], data: Float32Array.from([-3, 1.5, 0]) });
  assert.equal(pt.scale, Math.fround(3 / 127));
  assert.deepEqual([...pt.data], [-127, 64, 0]);
});

test('bias: int32 with scale input·weight per channel', () => {
  const b = quantizeBias(Float32Array.from([0.5, -1]), 2, 0.1, [0.01, 0.02]);
  assert.deepEqual([...b.scales], [Math.fround(0.001), Math.fround(0.002)]);
  assert.deepEqual([...b.data], [500, -500]);
  assert.deepEqual([...quantizeBias(undefined, 3, 0.1, 0.5).data], [0, 0, 0]);
});

test('calibrateRanges: min/max of the input and of every layer output', () => {
  const model = randomCnn(4);
  const pixels = randomPixels(4, model, 5);
  const ranges = calibrateRanges(model, pixels, 5);
  assert.equal(ranges.layers.length, model.layers.length);
  const seen: number[][] = [];
  forwardPass(model, pixels, 5, (i, a) => (seen[i + 1] = [Math.min(...a.data), Math.max(...a.data)]));
  assert.deepEqual([ranges.input.min, ranges.input.max], seen[0]);
  ranges.layers.forEach((r, i) => assert.deepEqual([r.min, r.max], seen[i + 1]));
  assert.ok(ranges.layers.every((r) => r.min <= r.max));
});
