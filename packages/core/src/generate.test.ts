import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runReference, validate } from '@hypertx/export';
import { disposeMetaBatch, stackEpisodes, type Episode, type ImageBatch } from './episode.js';
import { generate, supportSetHash } from './generate.js';
import { predict } from './predict.js';
import { selfLabel } from './self-label.js';
import { createHyperTransformer } from './model/hypertransformer.js';
import { Random } from '@hypertx/export';
import { maxAbsDiff, tinyConfig, useWasm } from './test-support/tiny.js';
import { tf } from './tf.js';

before(useWasm);

/** Raw 0..255 pixels and the normalised floats (x/128 − 1) the model sees. */
function rawImages(count: number, h: number, w: number, c: number, seed: number): { raw: Float32Array; batch: ImageBatch } {
  const rng = new Random(seed);
  const raw = Float32Array.from({ length: count * h * w * c }, () => Math.floor(rng.next() * 256));
  return { raw, batch: { pixels: raw.map((v) => v / 128 - 1), count, height: h, width: w, channels: c } };
}

for (const variant of ['all-generated', 'logits-only', 'generated-bias', 'lrelu'] as const) {
  test(`generated CNN (${variant}) on query images: TF.js forward ≡ runReference ≤ 1e-4`, () => {
    const base = tinyConfig();
    const config = tinyConfig({
      cnn: {
        ...base.cnn,
        trainedConvLayers: variant === 'logits-only' ? 2 : 0,
        generateBias: variant === 'generated-bias',
        activation: variant === 'lrelu' ? 'lrelu' : 'relu',
      },
    });
    const model = createHyperTransformer(config, 11);
    const { height: h, width: w, channels: c } = config.image;
    const support = rawImages(6, h, w, c, 1);
    const labels = Int32Array.from([0, 1, 2, 0, -1, 2]);
    const query = rawImages(5, h, w, c, 2);
    const cnn = generate(model, support.batch, labels, { labels: ['a', 'b', 'c'], selfLabel: false });
    validate(cnn);
    assert.deepEqual(cnn.labels, ['a', 'b', 'c']);
    assert.equal(cnn.metadata.modelId, model.id());
    assert.match(cnn.metadata.supportSetHash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(cnn.metadata.supportSetHash, supportSetHash(support.batch, labels, { classNames: ['a', 'b', 'c'], normalization: cnn.input.normalization }), 'the hash covers the class names');
    const episode: Episode = { ways: 3, support: support.batch, supportLabels: labels, query: query.batch, queryLabels: Int32Array.from([0, 1, 2, 0, 1]) };
    const batch = stackEpisodes(config, [episode]);
    const tfLogits = tf.tidy(() => model.queryLogits(model.views(), batch, { bnMode: 'support' }).dataSync().slice());
    disposeMetaBatch(batch);
    const ref = runReference(cnn, query.raw, 5);
    const diff = maxAbsDiff(tfLogits, ref.logits);
    assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
    const folded = generate(model, support.batch, labels, { labels: ['a', 'b', 'c'], foldBatchNorm: true, selfLabel: false });
    const foldedDiff = maxAbsDiff(tfLogits, runReference(folded, query.raw, 5).logits);
    assert.ok(foldedDiff <= 1e-4, `with foldBatchNorm: max |Δlogit| = ${foldedDiff}`);
    model.dispose();
  });
}

test('self-labelling: unlabelled images take the class the first-pass CNN predicts, then generation runs again', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 12);
  const { height: h, width: w, channels: c } = config.image;
  const support = rawImages(7, h, w, c, 21);
  const labels = Int32Array.from([0, 1, 2, -1, -1, -1, -1]);
  const firstPass = generate(model, support.batch, labels, { selfLabel: false });
  const px = h * w * c;
  const unlabelledRaw = support.raw.subarray(3 * px);
  const probs = runReference(firstPass, unlabelledRaw, 4).probabilities;
  const argmax = [0, 1, 2, 3].map((i) => [0, 1, 2].reduce((best, k) => ((probs[i * 3 + k] as number) > (probs[i * 3 + best] as number) ? k : best), 0));
  const relabelled = selfLabel(model, support.batch, labels);
  assert.deepEqual(Array.from(relabelled), [0, 1, 2, ...argmax]);
  assert.deepEqual(Array.from(labels), [0, 1, 2, -1, -1, -1, -1], 'the caller’s labels are not modified');
  // The default generation is generation from the relabelled support set.
  const cnn = generate(model, support.batch, labels);
  const explicit = generate(model, support.batch, relabelled, { selfLabel: false });
  const query = rawImages(3, h, w, c, 22);
  assert.deepEqual(runReference(cnn, query.raw, 3).logits, runReference(explicit, query.raw, 3).logits);
  assert.equal(cnn.metadata.supportSetHash, firstPass.metadata.supportSetHash, 'the hash names the support set as given');
  // predict() self-labels the same way, so compile's reference matches the file.
  const p = predict(model, support.batch, labels, query.batch);
  assert.ok(maxAbsDiff(p.logits, runReference(cnn, query.raw, 3).logits) < 1e-4);
  // Precomputed self-labels (compile shares one first pass): same network, hash of the labels as given.
  const shared = generate(model, support.batch, labels, { selfLabels: relabelled });
  assert.deepEqual(runReference(shared, query.raw, 3).logits, runReference(cnn, query.raw, 3).logits);
  assert.equal(shared.metadata.supportSetHash, firstPass.metadata.supportSetHash);
  assert.ok(maxAbsDiff(predict(model, support.batch, labels, query.batch, { selfLabels: relabelled }).logits, p.logits) < 1e-6);
  // Self-labels that change a given label, or miss an image, are refused.
  const changed = Int32Array.from(relabelled);
  changed[0] = 1;
  assert.throws(() => generate(model, support.batch, labels, { selfLabels: changed }), { code: 'E_SELF_LABELS' });
  assert.throws(() => predict(model, support.batch, labels, query.batch, { selfLabels: relabelled.subarray(1) }), { code: 'E_SELF_LABELS' });
  // Without unlabelled images nothing changes.
  assert.equal(selfLabel(model, support.batch, Int32Array.from([0, 1, 2, 0, 1, 2, 0])).join(), '0,1,2,0,1,2,0');
  model.dispose();
});

test('generation rejects a support set outside the model (too many ways, missing class)', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 1);
  const { batch } = rawImages(6, 12, 12, 1, 3);
  assert.throws(() => generate(model, batch, Int32Array.from([0, 1, 2, 3, 4, 5])), { code: 'E_SUPPORT_WAYS' });
  assert.throws(() => generate(model, batch, Int32Array.from([0, 0, 2, 2, -1, -1])), { code: 'E_SUPPORT_MISSING_CLASS' });
  model.dispose();
});

test('generation is deterministic and does not leak tensors', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 1);
  const { batch } = rawImages(4, 12, 12, 1, 4);
  const labels = Int32Array.from([0, 1, 0, 1]);
  generate(model, batch, labels);
  const before = tf.memory().numTensors;
  const a = generate(model, batch, labels);
  const b = generate(model, batch, labels);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(a, b);
  model.dispose();
});

test('predict() gives the logits of the generated CNN (≡ runReference) and softmax probabilities', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 4);
  const support = rawImages(4, 12, 12, 1, 7);
  const labels = Int32Array.from([0, 1, 1, 0]);
  const images = rawImages(3, 12, 12, 1, 8);
  const p = predict(model, support.batch, labels, images.batch);
  assert.deepEqual(p.shape, [3, 2]);
  const ref = runReference(generate(model, support.batch, labels), images.raw, 3);
  assert.ok(maxAbsDiff(p.logits, ref.logits) <= 1e-4);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(p.probabilities[2 * i]! + p.probabilities[2 * i + 1]! - 1) < 1e-5);
  model.dispose();
});

test('the support-set hash covers class names and normalisation, not only pixels and labels', () => {
  const { batch } = rawImages(4, 8, 8, 1, 3);
  const labels = Int32Array.from([0, 1, 0, 1]);
  const norm = { scale: [1 / 128], offset: [-1] };
  const named = supportSetHash(batch, labels, { classNames: ['cat', 'dog'], normalization: norm });
  assert.equal(supportSetHash(batch, labels, { classNames: ['cat', 'dog'], normalization: norm }), named, 'stable');
  assert.notEqual(supportSetHash(batch, labels, { classNames: ['cat', 'wolf'], normalization: norm }), named, 'a renamed class');
  assert.notEqual(supportSetHash(batch, labels, { classNames: ['dog', 'cat'], normalization: norm }), named, 'swapped names');
  assert.notEqual(supportSetHash(batch, labels, { classNames: ['cat', 'dog'], normalization: { scale: [1 / 255], offset: [0] } }), named, 'another normalisation');
});
