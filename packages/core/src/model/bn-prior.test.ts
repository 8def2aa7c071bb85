import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runReference } from '@hypertx/export';
import { channelsOf } from '../config.js';
import { decodeCheckpoint, encodeCheckpoint, modelFromState } from '../checkpoint.js';
import { disposeMetaBatch, stackEpisodes, type Episode } from '../episode.js';
import { generate } from '../generate.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { Trainer } from '../train/trainer.js';
import { type BnPrior, blendMoments, estimateBnPrior } from './bn-prior.js';
import { batchNorm, forward } from './forward.js';
import { createHyperTransformer } from './hypertransformer.js';
import { createProtoNet } from './protonet.js';

before(useWasm);

/** 8×8 images, three 2×-pooling blocks: the last block is 1×1, one value per image and channel. */
const config = (() => {
  const base = tinyConfig();
  return tinyConfig({ image: { height: 8, width: 8, channels: 1 }, cnn: { ...base.cnn, layers: 3, trainedConvLayers: 3 } });
})();

const episode = (ways: number, shots: number, seed: number): Episode => makeSyntheticEpisode(config, { ways, shots, queriesPerClass: 2, seed });

function lastBlockSupport(model: ReturnType<typeof createHyperTransformer>, e: Episode): number[] {
  const batch = stackEpisodes(config, [e]);
  try {
    return tf.tidy(() => {
      const out = forward(model, model.inferenceViews(), batch);
      const b = out.blocks[2]!;
      return [...b.mean.dataSync(), ...b.variance.dataSync()] as number[];
    });
  } finally {
    disposeMetaBatch(batch);
  }
}

test('blendMoments gives the moments of the union of the support values and a prior sample', () => {
  const support = [0.5, 2, -1, 3];
  const priorSample = [1, 1.5, -0.5, 0, 4, 2];
  const moments = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return { m, v: v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length };
  };
  const s = moments(support);
  const p = moments(priorSample);
  const u = moments([...support, ...priorSample]);
  const out = tf.tidy(() => {
    const r = blendMoments({ mean: tf.tensor3d([s.m], [1, 1, 1]), variance: tf.tensor3d([s.v], [1, 1, 1]) }, { weight: 6, mean: Float32Array.of(p.m), variance: Float32Array.of(p.v) }, 4);
    return [r.mean.dataSync()[0]!, r.variance.dataSync()[0]!];
  });
  assert.ok(Math.abs(out[0]! - u.m) < 1e-5 && Math.abs(out[1]! - u.v) < 1e-5, `blend ${out} vs union ${u.m}, ${u.v}`);
});

test('2-way 1-shot: without a prior the last block normalises every feature to ±1; with one the features keep their size', () => {
  // Two support images, 1×1 spatial, three channels (the last block of a 28×28 CNN).
  const values = [
    [0.2, 3.0, -1.0],
    [0.3, -2.0, 5.0],
  ];
  const run = (prior?: { weight: number; mean: Float32Array; variance: Float32Array }) =>
    tf.tidy(() => {
      const x = tf.tensor4d(values.flat(), [2, 1, 1, 3]);
      return Array.from(batchNorm(x, tf.ones([3]), tf.zeros([3]), 1e-6, 1, 2, 2, 'support', prior).y.dataSync());
    });
  const plain = run();
  plain.forEach((v) => assert.ok(Math.abs(Math.abs(v) - 1) < 1e-3, `support statistics alone: ${v} is ±1`));
  const prior = { weight: 30, mean: Float32Array.of(0, 0, 0), variance: Float32Array.of(4, 4, 4) };
  const blended = run(prior);
  // Channel 0 differs by 0.1 between the images, channel 2 by 6: only the prior keeps that apart.
  assert.ok(Math.abs(blended[0]! - blended[3]!) < 0.1, `channel 0: ${blended[0]} vs ${blended[3]}`);
  assert.ok(Math.abs(blended[2]! - blended[5]!) > 2, `channel 2: ${blended[2]} vs ${blended[5]}`);
});

test('weight 0 is support statistics alone; a huge weight is the population statistics alone', async () => {
  const model = createHyperTransformer(config, 4);
  const e = episode(3, 2, 9);
  const plain = lastBlockSupport(model, e);
  const sets = [0, 1, 2].map((i) => stackEpisodes(config, [episode(4, 2, 200 + i)]));
  const prior = await estimateBnPrior(model, sets, 0);
  sets.forEach(disposeMetaBatch);
  model.bnPrior = prior;
  assert.deepEqual(lastBlockSupport(model, e), plain);
  model.bnPrior = { ...prior, weight: 1e9 };
  const stats = Float32Array.from(lastBlockSupport(model, e));
  const c = channelsOf(config, 2);
  assert.ok(maxAbsDiff(stats.subarray(0, c), prior.mean[2]!) < 1e-4);
  assert.ok(maxAbsDiff(stats.subarray(c), prior.variance[2]!) < 1e-3);
  model.dispose();
});

test('estimateBnPrior combines support sets by the law of total variance', async () => {
  const model = createProtoNet(config, 2);
  const a = stackEpisodes(config, [episode(3, 2, 31)]);
  const b = stackEpisodes(config, [episode(3, 2, 32)]);
  const stats = [a, b].map((x) => tf.tidy(() => model.bnStatistics(x).map((s) => ({ m: s.mean.dataSync().slice(), v: s.variance.dataSync().slice() }))));
  const prior = await estimateBnPrior(model, [a, b], 10);
  for (let l = 0; l < 3; l++) {
    const [sa, sb] = [stats[0]![l]!, stats[1]![l]!];
    sa.m.forEach((ma, c) => {
      const mb = sb.m[c]!;
      const m = (ma + mb) / 2;
      const v = (sa.v[c]! + sb.v[c]!) / 2 + ((ma - m) ** 2 + (mb - m) ** 2) / 2;
      assert.ok(Math.abs(prior.mean[l]![c]! - m) < 1e-5, `block ${l} channel ${c} mean`);
      assert.ok(Math.abs(prior.variance[l]![c]! - v) < 1e-4, `block ${l} channel ${c} variance`);
    });
  }
  assert.equal(prior.weight, 10);
  [a, b].forEach(disposeMetaBatch);
  model.dispose();
});

test('the exported CNN freezes the blended statistics: runReference ≡ TF.js forward with the prior', async () => {
  const model = createHyperTransformer(config, 6);
  const sets = [0, 1, 2, 3].map((i) => stackEpisodes(config, [episode(4, 2, 300 + i)]));
  model.bnPrior = await estimateBnPrior(model, sets, 30);
  sets.forEach(disposeMetaBatch);
  const e = episode(2, 1, 77);
  const raw = e.query.pixels.map((v) => (v + 1) * 128);
  const batch = stackEpisodes(config, [e]);
  const tfLogits = tf.tidy(() => model.queryLogits(model.inferenceViews(), batch, { bnMode: 'support' }).dataSync().slice());
  const plainLogits = tf.tidy(() => forward(model, model.inferenceViews(), batch, { bnPrior: null }).logits!.dataSync().slice());
  disposeMetaBatch(batch);
  const cnn = generate(model, e.support, e.supportLabels);
  const ref = runReference(cnn, raw, e.query.count);
  assert.ok(maxAbsDiff(tfLogits, ref.logits) < 1e-3, `max |Δlogit| = ${maxAbsDiff(tfLogits, ref.logits)}`);
  assert.ok(maxAbsDiff(plainLogits, ref.logits) > 1e-2, 'the prior changes the exported model');
  model.dispose();
});

test('the prior survives a checkpoint round trip and changes the model id', async () => {
  const model = createHyperTransformer(config, 7);
  const idBefore = model.id();
  const sets = [stackEpisodes(config, [episode(3, 1, 400)])];
  model.bnPrior = await estimateBnPrior(model, sets, 12);
  sets.forEach(disposeMetaBatch);
  assert.notEqual(model.id(), idBefore);
  const bytes = encodeCheckpoint({ kind: model.kind, config, params: model.values(), step: 0, rng: { seed: 0 }, optimizer: null, bnPrior: model.bnPrior });
  const restored = modelFromState(decodeCheckpoint(bytes));
  assert.deepEqual(restored.bnPrior, model.bnPrior);
  assert.equal(restored.id(), model.id());
  // A prior for another CNN is a clear error.
  const wrong = encodeCheckpoint({ kind: model.kind, config, params: model.values(), step: 0, rng: { seed: 0 }, optimizer: null, bnPrior: { ...model.bnPrior, mean: model.bnPrior.mean.slice(0, 2), variance: model.bnPrior.variance.slice(0, 2) } });
  assert.throws(() => decodeCheckpoint(wrong, 'wrong.hxmodel'), /wrong\.hxmodel: .*bnPrior\.blocks = 2 is invalid: 3 \(config\.cnn\.layers\)/);
  restored.dispose();
  model.dispose();
});

test('a trainer with bnPrior estimates the prior before its first step, refreshes it and checkpoints it', async () => {
  const model = createHyperTransformer(config, 8);
  const source = (step: number, seed: number) => [episode(3, 2, seed * 1000 + step), episode(3, 2, seed * 1000 + step + 500)];
  const trainer = new Trainer(model, { episodes: source, seed: 1, optimizer: { name: 'adam' }, bnPrior: { weight: 20, every: 2, sets: 3 } });
  assert.equal(model.bnPrior, null);
  await trainer.trainStep(source(0, 1));
  const first = model.bnPrior as BnPrior | null;
  assert.ok(first && first.weight === 20 && first.mean.length === 3);
  await trainer.trainStep(source(1, 1)); // step 2: refreshed for the new weights
  assert.notDeepEqual(model.bnPrior!.mean, first!.mean);
  assert.deepEqual(trainer.state().bnPrior, model.bnPrior);
  trainer.dispose();
  model.dispose();
});
