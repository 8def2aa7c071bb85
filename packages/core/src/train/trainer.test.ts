import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { learningRate } from './schedule.js';
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
