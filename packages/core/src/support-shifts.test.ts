import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runReference } from '@hypertx/export';
import { decodeCheckpoint, encodeCheckpoint, modelFromState, SUPPORT_SHIFTS_KEY } from './checkpoint.js';
import type { ImageBatch } from './episode.js';
import { generate } from './generate.js';
import { createHyperTransformer } from './model/hypertransformer.js';
import { predict } from './predict.js';
import { MAX_SUPPORT_SHIFTS, SUPPORT_SHIFT_OFFSETS, shiftCopiesPerImage, shiftFillSupport } from './support-shifts.js';
import { maxAbsDiff, tinyConfig, useWasm } from './test-support/tiny.js';

before(useWasm);

/** `count` images of h×w, each one bright pixel at (y, x) on −1 background; the pixel value tells the image apart. */
function dots(h: number, w: number, at: Array<[number, number]>): ImageBatch {
  const pixels = new Float32Array(at.length * h * w).fill(-1);
  at.forEach(([y, x], i) => (pixels[i * h * w + y * w + x] = 0.1 * (i + 1)));
  return { pixels, count: at.length, height: h, width: w, channels: 1 };
}

function dotOf(batch: ImageBatch, n: number): [number, number, number] {
  const per = batch.height * batch.width;
  for (let p = 0; p < per; p++) {
    const v = batch.pixels[n * per + p]!;
    if (v !== -1) return [Math.floor(p / batch.width), p % batch.width, v];
  }
  return [-1, -1, -1];
}

test('offsets: 24 distinct 1–3 px shifts, nearest first, axes before diagonals', () => {
  assert.equal(SUPPORT_SHIFT_OFFSETS.length, 24);
  assert.equal(MAX_SUPPORT_SHIFTS, 25);
  assert.equal(new Set(SUPPORT_SHIFT_OFFSETS.map((o) => o.join())).size, 24);
  const radius = SUPPORT_SHIFT_OFFSETS.map(([dy, dx]) => Math.max(Math.abs(dy), Math.abs(dx)));
  assert.deepEqual(radius, [...radius].sort((a, b) => a - b));
  assert.deepEqual(SUPPORT_SHIFT_OFFSETS.slice(0, 4).map(([dy, dx]) => Math.abs(dy) + Math.abs(dx)), [1, 1, 1, 1]);
});

test('copies per image fill a class up to the target, at most 24 each, none past it', () => {
  assert.equal(shiftCopiesPerImage(1, 25), 24);
  assert.equal(shiftCopiesPerImage(5, 25), 4);
  assert.equal(shiftCopiesPerImage(3, 25), 8); // 27 images: every image gets the same number of copies
  assert.equal(shiftCopiesPerImage(10, 25), 2);
  assert.equal(shiftCopiesPerImage(25, 25), 0);
  assert.equal(shiftCopiesPerImage(1, 0), 0);
});

test('shiftFillSupport: labelled images get moved copies with their labels; unlabelled ones and fill 0 are left alone', () => {
  const support = dots(9, 9, [[4, 4], [2, 6], [5, 5], [4, 4]]);
  const labels = Int32Array.from([0, 1, 1, -1]);
  assert.deepEqual(shiftFillSupport(support, labels, 0), { support, labels });
  const { support: out, labels: outLabels } = shiftFillSupport(support, labels, 3);
  // Class 0 (one image) gets 2 copies, class 1 (two images) 1 copy each; the unlabelled image none.
  assert.equal(out.count, 4 + 2 + 2);
  assert.deepEqual([...outLabels], [0, 1, 1, -1, 0, 1, 1, 0]);
  assert.deepEqual(out.pixels.subarray(0, 4 * 81), support.pixels, 'the originals come first, unchanged');
  const [[dy0, dx0], [dy1, dx1]] = SUPPORT_SHIFT_OFFSETS as Array<[number, number]>;
  assert.deepEqual(dotOf(out, 4), [4 + dy0!, 4 + dx0!, Math.fround(0.1)]);
  assert.deepEqual(dotOf(out, 5).slice(0, 2), [2 + dy0!, 6 + dx0!]);
  assert.deepEqual(dotOf(out, 7), [4 + dy1!, 4 + dx1!, Math.fround(0.1)]);
  // Self-labelled images count as shots of their class and are filled like the others.
  const selfLabelled = Int32Array.from([0, 1, 1, 0]);
  assert.deepEqual([...shiftFillSupport(support, selfLabelled, 3).labels], [0, 1, 1, 0, 0, 1, 1, 0]);
  assert.throws(() => shiftFillSupport(support, labels, 26), /supportShifts must be a whole number from 0 \(off\) to 25/);
});

test('a shift repeats the edge row instead of wrapping: content enters from the border, leaves at the other side', () => {
  const image: ImageBatch = { pixels: new Float32Array(25).fill(-1).fill(1, 0, 5), count: 1, height: 5, width: 5, channels: 1 }; // top row bright
  const { support } = shiftFillSupport(image, Int32Array.from([0]), 25);
  SUPPORT_SHIFT_OFFSETS.forEach(([dy], k) => {
    for (let y = 0; y < 5; y++) {
      const row = support.pixels.subarray((1 + k) * 25 + y * 5, (1 + k) * 25 + y * 5 + 5);
      const bright = dy >= 0 && y <= dy;
      assert.ok(row.every((v) => v === (bright ? 1 : -1)), `shift ${SUPPORT_SHIFT_OFFSETS[k]}: row ${y} should be ${bright ? 'bright' : 'dark'}`);
    }
  });
});

test('generate and predict fill the support set by the model setting or the option; the setting is in the id and survives a save', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 3);
  const { height: h, width: w } = config.image;
  const support = dots(h, w, [[3, 3], [6, 7], [8, 2]]);
  const labels = Int32Array.from([0, 1, 1]);
  const query = dots(h, w, [[4, 4], [7, 7]]);
  const rawQuery = query.pixels.map((v) => (v + 1) * 128);
  const plainId = model.id();
  const plain = generate(model, support, labels);
  const filled = shiftFillSupport(support, labels, 5);
  const byOption = generate(model, support, labels, { supportShifts: 5 });
  assert.deepEqual(byOption.layers, generate(model, filled.support, filled.labels).layers, 'the option ≡ generating from the filled set');
  assert.notDeepEqual(byOption.layers, plain.layers);
  assert.equal(byOption.metadata.supportSetHash, plain.metadata.supportSetHash, 'the hash names the support set as given');

  model.supportShifts = 5;
  assert.notEqual(model.id(), plainId);
  assert.deepEqual(generate(model, support, labels).layers, byOption.layers, 'the model setting is the default');
  assert.deepEqual(generate(model, support, labels, { supportShifts: 0 }).layers, plain.layers, 'the option overrides it');
  const p = predict(model, support, labels, query);
  assert.ok(maxAbsDiff(p.logits, runReference(byOption, rawQuery, 2).logits) <= 1e-4, 'predict generates as generate does');

  const state = { kind: 'hypertransformer' as const, config, params: model.values(), step: 0, rng: { seed: 0 }, optimizer: null, metadata: { [SUPPORT_SHIFTS_KEY]: '5' } };
  const reloaded = modelFromState(decodeCheckpoint(encodeCheckpoint(state)));
  assert.equal(reloaded.supportShifts, 5);
  assert.equal(reloaded.id(), model.id());
  assert.throws(() => modelFromState(decodeCheckpoint(encodeCheckpoint({ ...state, metadata: { [SUPPORT_SHIFTS_KEY]: 'lots' } }))), /metadata\.supportShifts must be a whole number/);
  model.dispose();
  reloaded.dispose();
});
