import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { startDispatchCount } from '../dispatches.js';
import type { Episode } from '../episode.js';
import type { EpisodeConvForm } from '../model/forward.js';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { groupByShape, shardGradientTensor } from './gradient.js';
import { Trainer } from './trainer.js';

before(useWasm);

const config = tinyConfig();
/** Two shapes alternate: 3-way 1-shot with 2 queries per class, 2-way 2-shot with 1 unlabelled and 1 query. */
function mixed(count: number, seed: number): Episode[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: seed + i })
      : makeSyntheticEpisode(config, { ways: 2, shots: 2, unlabeledPerClass: 1, queriesPerClass: 1, seed: seed + i }),
  );
}
const sameShape = (count: number, seed: number) => Array.from({ length: count }, (_, i) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: seed + i }));

/** Kernel dispatches of the second of two training steps on `episodes` (the first warms caches). */
async function dispatchesPerStep(episodes: Episode[], episodeConv: EpisodeConvForm): Promise<number> {
  const trainer = new Trainer(createHyperTransformer(config, 1), { episodes: () => episodes, episodeConv, optimizer: { name: 'sgd' } });
  await trainer.trainStep(episodes);
  const count = startDispatchCount();
  await trainer.trainStep(episodes);
  const { total } = count.stop();
  trainer.model.dispose();
  await trainer.close();
  return total;
}

test('batched: kernel dispatches per step are the same at 8 and at 32 episodes per step (one shape, and two shapes)', async () => {
  assert.equal(await dispatchesPerStep(sameShape(32, 0), 'batched'), await dispatchesPerStep(sameShape(8, 0), 'batched'));
  assert.equal(await dispatchesPerStep(mixed(32, 0), 'batched'), await dispatchesPerStep(mixed(8, 0), 'batched'));
  // The count is per distinct shape: a second shape adds a second pass.
  assert.ok((await dispatchesPerStep(mixed(8, 0), 'batched')) > (await dispatchesPerStep(sameShape(8, 0), 'batched')));
});

test('per-episode: dispatches grow with the episodes (what the batched form removes)', async () => {
  const [eight, thirtyTwo] = [await dispatchesPerStep(sameShape(8, 0), 'per-episode'), await dispatchesPerStep(sameShape(32, 0), 'per-episode')];
  assert.ok(thirtyTwo > eight + 24 * 10, `${eight} at 8 episodes, ${thirtyTwo} at 32`);
});

test('the batched path gives the per-episode loss, gradient and predictions (max |Δgrad| ≤ 1e-5 of the largest component)', async () => {
  const model = createHyperTransformer(config, 3);
  const episodes = mixed(6, 10);
  const [a, b] = await Promise.all((['batched', 'per-episode'] as const).map((episodeConv) => shardGradientTensor(model, episodes, 'support', { episodeConv })));
  const [ga, gb] = [a!.gradient.dataSync(), b!.gradient.dataSync()];
  const largest = Math.max(...Array.from(gb, Math.abs));
  assert.ok(largest > 1e-2, 'the gradient is not trivially small');
  assert.ok(maxAbsDiff(ga, gb) <= 1e-5 * largest, `max |Δgrad| ${maxAbsDiff(ga, gb)} of ${largest}`);
  assert.ok(Math.abs(a!.loss - b!.loss) <= 1e-6 * Math.abs(b!.loss), `loss ${a!.loss} vs ${b!.loss}`);
  assert.deepEqual(a!.predicted, b!.predicted);
  tf.dispose([a!.gradient, b!.gradient]);
  model.dispose();
});

test('episodes of different shapes in one step: grouped by shape, the same as each episode alone weighted by its queries', async () => {
  const model = createHyperTransformer(config, 4);
  const episodes = mixed(4, 20);
  assert.deepEqual(groupByShape(episodes), [[episodes[0], episodes[2]], [episodes[1], episodes[3]]]);
  const step = await shardGradientTensor(model, episodes, 'support');
  const alone = [];
  for (const e of episodes) alone.push(await shardGradientTensor(model, [e], 'support'));
  const queries = episodes.map((e) => e.query.count);
  const all = queries.reduce((p, q) => p + q, 0);
  const expected = new Float32Array(model.layout.total);
  alone.forEach((r, i) => r.gradient.dataSync().forEach((g, j) => (expected[j]! += (g * queries[i]!) / all)));
  const loss = alone.reduce((sum, r, i) => sum + (r.loss * queries[i]!) / all, 0);
  const largest = Math.max(...Array.from(expected, Math.abs));
  assert.ok(maxAbsDiff(step.gradient.dataSync(), expected) <= 1e-5 * largest, `max |Δgrad| ${maxAbsDiff(step.gradient.dataSync(), expected)} of ${largest}`);
  assert.ok(Math.abs(step.loss - loss) <= 1e-6 * loss, `loss ${step.loss} vs ${loss}`);
  tf.dispose([step.gradient, ...alone.map((r) => r.gradient)]);
  model.dispose();
});
