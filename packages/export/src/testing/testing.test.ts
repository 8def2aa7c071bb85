import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCnn } from '../hxcnn.js';
import type { LayerType } from '../ir.js';
import { runReference } from '../reference.js';
import { validate } from '../validate.js';
import { paperOmniglotCnn, randomCnn, randomPixels } from './index.js';

test('randomCnn is deterministic per seed and differs across seeds', () => {
  assert.deepEqual(encodeCnn(randomCnn(42)), encodeCnn(randomCnn(42)));
  assert.notDeepEqual(encodeCnn(randomCnn(42)), encodeCnn(randomCnn(43)));
  assert.deepEqual(randomPixels(1, randomCnn(1), 2), randomPixels(1, randomCnn(1), 2));
});

test('seeds 0..49 cover every layer type, both input channel counts, strides and paddings', () => {
  const types = new Set<LayerType>();
  const channels = new Set<number>();
  const convs = new Set<string>();
  const pools = new Set<string>();
  const parity = new Set<number>();
  for (let seed = 0; seed < 50; seed++) {
    const model = randomCnn(seed);
    validate(model);
    channels.add(model.input.channels);
    parity.add(model.input.height % 2);
    for (const layer of model.layers) {
      types.add(layer.type);
      if (layer.type === 'conv2d') convs.add(`${layer.stride}/${layer.padding}`);
      if (layer.type === 'maxpool2d' || layer.type === 'avgpool2d') pools.add(`${layer.stride}/${layer.padding}`);
    }
  }
  assert.deepEqual([...types].sort(), [
    'avgpool2d', 'batchnorm', 'conv2d', 'dense', 'flatten', 'global_avg_pool', 'leaky_relu', 'maxpool2d', 'relu', 'softmax',
  ]);
  assert.deepEqual([...channels].sort(), [1, 3]);
  assert.deepEqual([...convs].sort(), ['1/same', '1/valid', '2/same', '2/valid']);
  assert.deepEqual([...pools].sort(), ['1/same', '1/valid', '2/same', '2/valid']);
  assert.deepEqual([...parity].sort(), [0, 1]);
});

test('random models give finite, non-degenerate outputs', () => {
  for (let seed = 0; seed < 20; seed++) {
    const model = randomCnn(seed);
    const out = runReference(model, randomPixels(seed, model, 2), 2);
    assert.ok(out.logits.every(Number.isFinite));
    assert.ok(out.logits.some((v) => v !== out.logits[0]), `seed ${seed}: all logits equal`);
  }
});

test('paperOmniglotCnn is the maxpool-4-layer network', () => {
  const model = paperOmniglotCnn(0);
  assert.equal(model.layers.filter((l) => l.type === 'conv2d').length, 4);
  assert.deepEqual(validate(model).layerOutputs.at(-1), [20]);
  assert.equal(model.labels.length, 20);
});
