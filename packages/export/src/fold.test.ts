import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldBatchNorm, foldBatchNormWithReport } from './fold.js';
import type { Layer, StandaloneCnn } from './ir.js';
import { encodeCnn } from './hxcnn.js';
import { runReference } from './reference.js';
import { paperOmniglotCnn, randomCnn, randomPixels } from './testing/index.js';

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function compare(model: StandaloneCnn, seed: number) {
  const pixels = randomPixels(seed, model, 3);
  const before = runReference(model, pixels, 3);
  const { model: folded, folds, kept } = foldBatchNormWithReport(model);
  const after = runReference(folded, pixels, 3);
  let maxLogit = 0;
  for (const v of before.logits) maxLogit = Math.max(maxLogit, Math.abs(v));
  return { diff: maxAbsDiff(before.logits, after.logits), maxLogit, folds, kept, folded };
}

test('folding never changes the reference output: exact-arithmetic models, 1e-9', () => {
  let foldedCount = 0;
  for (let seed = 0; seed < 60; seed++) {
    const model = randomCnn(seed, { exactArithmetic: true, maxInputSize: 12, maxChannels: 16 });
    const r = compare(model, seed);
    foldedCount += r.folds.length;
    assert.ok(r.diff <= 1e-9, `seed ${seed}: diff ${r.diff}`);
    const bnLeft = r.folded.layers.filter((l) => l.type === 'batchnorm').length;
    assert.equal(bnLeft, r.kept.length);
  }
  assert.ok(foldedCount > 20, `only ${foldedCount} folds happened; the test would prove little`);
});

test('folding on float models changes outputs only by float32 rounding', () => {
  for (let seed = 100; seed < 140; seed++) {
    const r = compare(randomCnn(seed), seed);
    assert.ok(r.diff <= 1e-5 * Math.max(1, r.maxLogit), `seed ${seed}: diff ${r.diff}`);
  }
});

test('paper CNN: BNs before a padded conv are kept, the last one folds into the dense layer', () => {
  const model = paperOmniglotCnn(2);
  const r = compare(model, 2);
  assert.deepEqual(r.kept, [3, 7, 11]);
  assert.deepEqual(r.folds, [{ batchNorm: 15, into: 17, direction: 'forward' }]);
  assert.ok(r.diff <= 1e-5 * Math.max(1, r.maxLogit));
});

test('conv → BN folds backwards; BN → valid conv folds forwards; BN → same conv with padding is kept', () => {
  const base = paperOmniglotCnn(3);
  const bn = base.layers[3]!;
  const conv = base.layers[4]!;
  if (conv.type !== 'conv2d') throw new Error('expected conv');
  const layersWith = (second: Layer): Layer[] => [base.layers[0]!, bn, base.layers[1]!, base.layers[2]!, bn, second, { type: 'global_avg_pool' }, base.layers[17]!];
  const valid: StandaloneCnn = { ...base, layers: layersWith({ ...conv, padding: 'valid' }) };
  const rv = compare(valid, 5);
  assert.deepEqual(rv.folds.map((f) => [f.batchNorm, f.into, f.direction]), [[1, 0, 'backward'], [4, 5, 'forward']]);
  assert.ok(rv.diff <= 1e-5 * Math.max(1, rv.maxLogit));
  const same: StandaloneCnn = { ...base, layers: layersWith(conv) };
  const rs = compare(same, 5);
  assert.deepEqual(rs.kept, [4]);
  assert.ok(rs.diff <= 1e-5 * Math.max(1, rs.maxLogit));
});

test('the input model is not modified', () => {
  const model = randomCnn(7);
  const before = encodeCnn(model);
  foldBatchNorm(model);
  assert.deepEqual(encodeCnn(model), before);
});
