import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StandaloneCnn } from '@hypertx/export';
import { paperOmniglotCnn } from '@hypertx/export/testing';
import { buildPlan, hwioToOhwi, inOutToOutIn } from './plan.js';
import { coreShapedCnn } from './test-support/models.js';

function tinyModel(padding: 'same' | 'valid', offset: number): StandaloneCnn {
  return {
    input: { height: 4, width: 4, channels: 2, normalization: { scale: [1 / 128, 1 / 64], offset: [offset, offset] } },
    labels: ['a', 'b'],
    layers: [
      { type: 'conv2d', weights: { shape: [3, 3, 2, 2], data: Float32Array.from({ length: 36 }, (_, i) => (i % 7) / 8 - 0.4) }, stride: 1, padding },
      { type: 'relu' },
      { type: 'global_avg_pool' },
      { type: 'dense', weights: { shape: [2, 2], data: Float32Array.from([1, 0, 0, 1]) } },
    ],
    metadata: { producer: 'test' },
  };
}

describe('layout transposes', () => {
  it('HWIO → OHWI moves every element to [o, y, x, i]', () => {
    const [kh, kw, cin, cout] = [2, 3, 4, 5];
    const data = Float32Array.from({ length: kh * kw * cin * cout }, (_, i) => i);
    const t = hwioToOhwi({ shape: [kh, kw, cin, cout], data });
    assert.deepEqual(t.shape, [cout, kh, kw, cin]);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) {
            assert.equal(t.data[((o * kh + y) * kw + x) * cin + i], data[((y * kw + x) * cin + i) * cout + o]);
          }
  });

  it('dense [in,out] → [out,in]', () => {
    const t = inOutToOutIn({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(Array.from(t.data), [1, 4, 2, 5, 3, 6]);
  });
});

describe('plan', () => {
  it('fuses a ReLU that follows a max pool into the conv before the pool (they commute)', () => {
    const model = coreShapedCnn(0);
    assert.deepEqual(model.layers.slice(0, 4).map((l) => l.type), ['conv2d', 'maxpool2d', 'relu', 'batchnorm']);
    const plan = buildPlan(model);
    assert.ok(!plan.ops.some((o) => o.kind === 'relu'));
    const convs = plan.ops.filter((o) => o.kind === 'conv2d');
    assert.ok(convs.every((o) => o.kind === 'conv2d' && o.relu && o.rangeAfterRelu));
    assert.deepEqual(plan.ops.slice(1, 4).map((o) => o.kind), ['conv2d', 'pool', 'affine']);
    // A leaky ReLU is not fused (TFLite has no fused leaky activation).
    assert.ok(buildPlan(coreShapedCnn(0, 'leaky_relu')).ops.some((o) => o.kind === 'leaky_relu'));
  });

  it("folds the normalisation into a 'valid' first conv", () => {
    const plan = buildPlan(tinyModel('valid', -1));
    assert.equal(plan.normalization, 'folded-into-first-conv');
    assert.equal(plan.ops[0]!.kind, 'conv2d');
  });

  it("keeps it as an affine op before a 'same' conv with a non-zero offset (zero padding would differ)", () => {
    const plan = buildPlan(tinyModel('same', -1));
    assert.equal(plan.normalization, 'affine');
    assert.deepEqual(plan.ops.map((o) => o.kind), ['affine', 'conv2d', 'mean', 'dense']);
  });

  it("folds a pure scale even before a 'same' conv", () => {
    assert.equal(buildPlan(tinyModel('same', 0)).normalization, 'folded-into-first-conv');
  });

  it('fuses ReLU after conv, keeps unfoldable BatchNorm as affine ops (paper CNN)', () => {
    const plan = buildPlan(paperOmniglotCnn(0));
    const conv = plan.ops.filter((o) => o.kind === 'conv2d');
    assert.equal(conv.length, 4);
    assert.ok(conv.every((o) => o.kind === 'conv2d' && o.relu));
    assert.ok(!plan.ops.some((o) => o.kind === 'relu'));
    // x/128-1 before a 'same' conv, then three BNs between pool and 'same' conv; the fourth folds into the dense.
    assert.equal(plan.ops.filter((o) => o.kind === 'affine').length, 4);
    assert.equal(plan.ops.at(-1)!.kind, 'dense');
  });
});
