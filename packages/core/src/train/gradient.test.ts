import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { MAX_PASS_PIXELS, passesWithin, passPixelBudget, shardGradientTensor } from './gradient.js';

before(useWasm);

const config = tinyConfig();
const episodes = [0, 1, 2].map((i) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: 40 + i }));
// 3 support + 6 query images of 12×12×1 each.
const EPISODE_PIXELS = 9 * 12 * 12;

test('passes group consecutive episodes within the pixel budget; an oversized episode is a pass alone', () => {
  const sizes = (maxPixels: number) => passesWithin(episodes, maxPixels).map((p) => p.length);
  assert.deepEqual(sizes(3 * EPISODE_PIXELS), [3]);
  assert.deepEqual(sizes(2 * EPISODE_PIXELS), [2, 1]);
  assert.deepEqual(sizes(EPISODE_PIXELS), [1, 1, 1]);
  assert.deepEqual(sizes(1), [1, 1, 1]);
  assert.equal(passesWithin(episodes, EPISODE_PIXELS)[1]![0], episodes[1], 'order is kept');
});

test('a shard split into passes gives the one-pass loss, gradient and predictions (up to rounding), leaking no tensors', async () => {
  const model = createHyperTransformer(config, 3);
  const whole = await shardGradientTensor(model, episodes, 'support');
  const tensorsBefore = tf.memory().numTensors;
  const split = await shardGradientTensor(model, episodes, 'support', { maxPixels: 2 * EPISODE_PIXELS });
  assert.equal(tf.memory().numTensors, tensorsBefore + 1, 'only the returned gradient is left');
  const [g1, g2] = [whole.gradient.dataSync(), split.gradient.dataSync()];
  const largest = Math.max(...Array.from(g1, Math.abs));
  assert.ok(largest > 1e-2, 'the gradient is not trivially small');
  assert.ok(maxAbsDiff(g1, g2) < 1e-5 * largest, `max |Δgrad| ${maxAbsDiff(g1, g2)} of ${largest}`);
  assert.ok(Math.abs(whole.loss - split.loss) < 1e-6, `loss ${whole.loss} vs ${split.loss}`);
  assert.deepEqual(split.predicted, whole.predicted);
  assert.deepEqual(split.queryLabels, whole.queryLabels);
  tf.dispose([whole.gradient, split.gradient]);
  model.dispose();
});

test('the pass budget shrinks with the widest conv block beyond 8 channels (a 64-channel ProtoNet overflowed the wasm heap)', () => {
  const withChannels = (channels: number | number[]) => tinyConfig({ cnn: { ...config.cnn, channels } });
  assert.equal(passPixelBudget(withChannels(4)), MAX_PASS_PIXELS);
  assert.equal(passPixelBudget(withChannels(8)), MAX_PASS_PIXELS);
  assert.equal(passPixelBudget(withChannels(16)), MAX_PASS_PIXELS / 2);
  assert.equal(passPixelBudget(withChannels(64)), MAX_PASS_PIXELS / 8);
  assert.equal(passPixelBudget(withChannels([8, 32])), MAX_PASS_PIXELS / 4, 'the widest block counts');
});
