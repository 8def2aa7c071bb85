import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { evaluate, meanAndCi95 } from './evaluate.js';
import { createHyperTransformer } from './model/hypertransformer.js';
import { checkSupport, describeSupport } from './accepted-support.js';
import { makeSyntheticEpisode } from './synthetic.js';
import { tinyConfig, useWasm } from './test-support/tiny.js';
import { Trainer } from './train/trainer.js';

before(useWasm);

test('meanAndCi95 is the normal-approximation interval', () => {
  const r = meanAndCi95([0.5, 0.7, 0.6, 0.8]);
  assert.ok(Math.abs(r.mean - 0.65) < 1e-12);
  const sd = Math.sqrt(((0.15 ** 2 + 0.05 ** 2) * 2) / 3);
  assert.ok(Math.abs(r.ci95 - (1.96 * sd) / 2) < 1e-12);
});

test('evaluate returns one accuracy per episode (varying ways) and a Trainer evaluates periodically', async () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 1);
  const episodes = [2, 3, 4].map((ways, i) => makeSyntheticEpisode(config, { ways, shots: 1, queriesPerClass: 2, seed: i }));
  const r = await evaluate(model, episodes, { bnMode: 'support' });
  assert.equal(r.accuracies.length, 3);
  assert.ok(r.accuracies.every((a) => a >= 0 && a <= 1));
  assert.ok(r.losses.every(Number.isFinite));
  const seen: number[] = [];
  const trainer = new Trainer(model, {
    episodes: (step) => [makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: 50 + step })],
    evaluation: { every: 2, episodes: () => episodes, onResult: (e) => seen.push(e.step) },
  });
  await trainer.run(4);
  assert.deepEqual(seen, [2, 4]);
  await trainer.close();
  model.dispose();
});

test('describeSupport / checkSupport state the accepted support sets', () => {
  const config = tinyConfig();
  const d = describeSupport(config);
  assert.equal(d.maxWays, config.maxWays);
  assert.equal(d.minWays, 2);
  assert.deepEqual(checkSupport(config, [0, 1, 1, -1, 2]), { ways: 3, shots: [1, 2, 1] });
  assert.throws(() => checkSupport(config, [0, 0]), { code: 'E_SUPPORT_WAYS' });
  assert.throws(() => checkSupport(config, [0, 1, 2, 3, 4]), { code: 'E_SUPPORT_WAYS' });
  assert.throws(() => checkSupport(config, [0, 2]), { code: 'E_SUPPORT_MISSING_CLASS' });
});
