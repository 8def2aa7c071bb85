import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { learningRate } from './schedule.js';
import { splitIntoShards } from './shards.js';
import { type EpisodeSource, Trainer } from './trainer.js';

before(useWasm);

const config = tinyConfig();
const source: EpisodeSource = (step, seed) => [0, 1, 2].map((i) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: seed * 100 + step * 10 + i }));

async function train(workers: number, steps: number): Promise<Float32Array> {
  const trainer = new Trainer(createHyperTransformer(config, 5), { episodes: source, seed: 2, workers, optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: 0.05 } });
  await trainer.run(steps);
  const values = trainer.model.values();
  trainer.model.dispose();
  await trainer.close();
  return values;
}

test('data-parallel steps (1 worker thread) match in-process steps up to float rounding, deterministically', async () => {
  const [single, parallelA, parallelB] = [await train(0, 2), await train(1, 2), await train(1, 2)];
  assert.deepEqual(parallelA, parallelB);
  const d = maxAbsDiff(single, parallelA);
  assert.ok(d < 1e-5, `max |Δparam| = ${d}`);
  assert.ok(maxAbsDiff(single, createHyperTransformer(config, 5).values()) > 1e-4, 'training changed the parameters');
});

// Steps as the default recipe draws them: ways, shots and unlabelled counts vary (here within a step too).
const varied: EpisodeSource = (step, seed) =>
  [0, 1, 2, 3, 4].map((i) => makeSyntheticEpisode(config, { ways: 2 + ((step + i) % 3), shots: 1 + (i % 2), unlabeledPerClass: i % 3 === 0 ? 1 : 0, queriesPerClass: 2, seed: seed * 100 + step * 10 + i }));

async function trainVaried(workers: number, steps: number): Promise<{ params: Float32Array; losses: number[]; norms: number[] }> {
  const losses: number[] = [];
  const norms: number[] = [];
  const trainer = new Trainer(createHyperTransformer(config, 6), { episodes: varied, seed: 3, workers, optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: 0.05 }, onProgress: (p) => (losses.push(p.loss), norms.push(p.gradNorm)) });
  await trainer.run(steps);
  const params = trainer.model.values();
  trainer.model.dispose();
  await trainer.close();
  return { params, losses, norms };
}

// SGD: Adam divides by the root of tiny second moments, which turns rounding into visible steps.
test('2 threads give the 1-thread result on steps of varied episode shapes: losses and gradient norms within 1e-6 relative, parameters within 1e-5', async () => {
  const one = await trainVaried(0, 3);
  const two = await trainVaried(1, 3);
  one.losses.forEach((l, i) => assert.ok(Math.abs(l - two.losses[i]!) <= 1e-6 * l, `step ${i + 1} loss ${l} vs ${two.losses[i]}`));
  one.norms.forEach((n, i) => assert.ok(Math.abs(n - two.norms[i]!) <= 1e-6 * n, `step ${i + 1} gradient norm ${n} vs ${two.norms[i]}`));
  const d = maxAbsDiff(one.params, two.params);
  assert.ok(d <= 1e-5, `max |Δparam| = ${d}`);
});

test('shards: contiguous, in order, near-equal input pixels; a tie leaves the smaller share to the main thread', () => {
  const episode = (ways: number, seed: number) => makeSyntheticEpisode(config, { ways, shots: 1, queriesPerClass: 1, seed });
  const same = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => episode(2, s));
  assert.deepEqual(splitIntoShards(same, 2).map((s) => s.length), [4, 4]);
  assert.deepEqual(splitIntoShards(same.slice(0, 3), 2).map((s) => s.length), [1, 2]);
  assert.deepEqual(splitIntoShards(same.slice(0, 1), 2).map((s) => s.length), [1]);
  // Costs 4, 1, 1, 1, 1 (in 2-way units): by count the first shard would hold 5 of 8.
  const uneven = [episode(4, 1), ...[2, 3, 4, 5].map((s) => { const e = episode(2, s); return { ...e, support: { ...e.support, count: 1 }, query: { ...e.query, count: 1 } }; })];
  assert.deepEqual(splitIntoShards(uneven, 2).map((s) => s.length), [1, 4]);
  assert.deepEqual(splitIntoShards(uneven, 2).flat(), uneven);
});

test('a step validates every episode and names the one at fault', async () => {
  const trainer = new Trainer(createHyperTransformer(config, 5), { episodes: source });
  const good = makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 1, seed: 1 });
  const bad = { ...good, queryLabels: Int32Array.from(good.queryLabels, () => 7) };
  await assert.rejects(trainer.trainStep([good, bad]), (err: Error & { code?: string }) => err.code === 'E_EPISODE_LABELS' && err.message.includes('episodes[1]'));
  await assert.rejects(trainer.trainStep([]), { code: 'E_EPISODE_BATCH' });
  trainer.model.dispose();
  await trainer.close();
});

test('learning-rate schedules: constant, exponential (authors, not staircase), cosine', () => {
  assert.equal(learningRate({ kind: 'constant', lr: 0.1 }, 1000), 0.1);
  assert.ok(Math.abs(learningRate({ kind: 'exponential', lr: 0.02, decayRate: 0.95, decaySteps: 1e5 }, 5e4) - 0.02 * Math.sqrt(0.95)) < 1e-12);
  assert.equal(learningRate({ kind: 'cosine', lr: 1, totalSteps: 100 }, 0), 1);
  assert.ok(Math.abs(learningRate({ kind: 'cosine', lr: 1, totalSteps: 100 }, 50) - 0.5) < 1e-12);
  assert.ok(learningRate({ kind: 'cosine', lr: 1, totalSteps: 100, minLr: 0.1 }, 100) - 0.1 < 1e-12);
});

test('gradient clipping caps the global norm and is reported', async () => {
  const progress: number[] = [];
  const trainer = new Trainer(createHyperTransformer(config, 5), { episodes: source, clipNorm: 1e-3, optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: 1 }, onProgress: (p) => progress.push(p.gradNorm) });
  const before = trainer.model.values();
  await trainer.run(1);
  const after = trainer.model.values();
  let sq = 0;
  for (let i = 0; i < before.length; i++) sq += (after[i]! - before[i]!) ** 2;
  assert.ok(progress[0]! > 1e-3, 'the raw gradient norm is larger than the cap');
  assert.ok(Math.abs(Math.sqrt(sq) - 1e-3) < 1e-5, `update norm ${Math.sqrt(sq)} should equal lr·clip = 1e-3`);
  trainer.model.dispose();
  await trainer.close();
});
