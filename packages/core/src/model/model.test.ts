import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { planModel, preset } from '../config.js';
import { disposeMetaBatch, stackEpisodes } from '../episode.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { maxAbsDiff, tinyConfig, useWasm } from '../test-support/tiny.js';
import { tf } from '../tf.js';
import { Trainer } from '../train/trainer.js';
import { crossEntropy } from './forward.js';
import { createHyperTransformer, parameterCount } from './hypertransformer.js';
import { createProtoNet } from './protonet.js';

before(useWasm);

test('omniglot-1shot plan has the per-layer dimensions of the original model and ≈0.84M parameters', () => {
  const { config } = preset('omniglot-1shot');
  const plan = planModel(config);
  const rows = [...plan.layers, plan.logits].map((l) => [l.localFeatures + plan.sharedDim, l.blockSize, l.dims.width, l.dims.keyQuery, l.tokens]);
  assert.deepEqual(rows, [
    [48, 9, 80, 80, 8],
    [48, 72, 104, 104, 8],
    [48, 72, 104, 104, 8],
    [40, 72, 104, 104, 8],
    [40, 9, 72, 72, 20],
  ]);
  const model = createHyperTransformer(config, 0);
  assert.equal(parameterCount(model), 843304);
  model.dispose();
});

test('miniimagenet-1shot plan has the per-layer dimensions of the original model', () => {
  const plan = planModel(preset('miniimagenet-1shot').config);
  const rows = [...plan.layers, plan.logits].map((l) => [l.localFeatures + plan.sharedDim, l.blockSize, l.dims.width, l.dims.keyQuery, l.tokens]);
  assert.deepEqual(rows, [
    [48, 27, 80, 40, 16],
    [48, 144, 176, 88, 16],
    [48, 144, 176, 88, 16],
    [48, 144, 176, 88, 16],
    [32, 401, 433, 216, 5],
  ]);
});

test('same seed gives the same initial weights; another seed does not', () => {
  const config = tinyConfig();
  const [a, b, c] = [createHyperTransformer(config, 7), createHyperTransformer(config, 7), createHyperTransformer(config, 8)];
  assert.deepEqual(a.values(), b.values());
  assert.notDeepEqual(a.values(), c.values());
  assert.equal(a.id(), b.id());
  [a, b, c].forEach((m) => m.dispose());
});

function gradientByName(config: ReturnType<typeof tinyConfig>, unlabeled: number) {
  const model = createHyperTransformer(config, 3);
  const episodes = [0, 1].map((s) => makeSyntheticEpisode(config, { ways: 3, shots: 2, queriesPerClass: 2, unlabeledPerClass: unlabeled, seed: s }));
  const batch = stackEpisodes(config, episodes);
  const grad = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => crossEntropy(model.queryLogits(model.views(), batch, { bnMode: 'support' }), batch.queryOneHot!), [model.params]);
    return grads[model.params.name]!.dataSync().slice();
  });
  disposeMetaBatch(batch);
  const zero: string[] = [];
  for (const e of model.layout.entries) {
    let norm = 0;
    for (let i = e.offset; i < e.offset + e.size; i++) norm += grad[i]! * grad[i]!;
    if (!(norm > 0) || !Number.isFinite(norm)) zero.push(e.name);
  }
  model.dispose();
  return zero;
}

test('every trainable parameter receives a non-zero gradient (all-generated, with bias, semi-supervised)', () => {
  const config = tinyConfig({ cnn: { ...tinyConfig().cnn, generateBias: true } });
  const zero = gradientByName(config, 1).filter((n) => !/label_embedding/.test(n));
  assert.deepEqual(zero, []);
});

test('every parameter gets a gradient with gelu / lrelu transformers, lrelu CNN, stride 2 and no shared features', () => {
  for (const activation of ['gelu', 'lrelu'] as const) {
    const base = tinyConfig();
    const config = tinyConfig({
      transformer: { ...base.transformer, activation },
      cnn: { ...base.cnn, activation: 'lrelu', stride: activation === 'gelu' ? 2 : 1, layers: activation === 'gelu' ? 1 : 2 },
      sharedFeatures: activation === 'gelu' ? null : base.sharedFeatures,
    });
    assert.deepEqual(gradientByName(config, 1).filter((n) => !/label_embedding/.test(n)), [], activation);
  }
});

test('every parameter of the logits-only variant gets a gradient', () => {
  const config = tinyConfig({ cnn: { ...tinyConfig().cnn, trainedConvLayers: 2 } });
  assert.deepEqual(gradientByName(config, 1).filter((n) => !/label_embedding/.test(n)), []);
});

test('every parameter of the add-trainable-weights variant gets a gradient, base kernels included', () => {
  const config = tinyConfig({ cnn: { ...tinyConfig().cnn, addTrainableWeights: true } });
  assert.deepEqual(gradientByName(config, 1).filter((n) => !/label_embedding/.test(n)), []);
  const names = createHyperTransformer(config, 0).layout.entries.map((e) => e.name);
  assert.ok(names.includes('cnn/conv0/kernel') && names.includes('layer0/transformer/block0/ln2/gamma'), 'both the base kernel and the generator exist');
});

test('add-trainable-weights: with a silent generator (last LayerNorm zeroed) it computes the logits-only model with the same kernels', () => {
  const base = tinyConfig();
  const residualConfig = tinyConfig({ cnn: { ...base.cnn, addTrainableWeights: true } });
  const logitsOnlyConfig = tinyConfig({ cnn: { ...base.cnn, trainedConvLayers: base.cnn.layers } });
  const residual = createHyperTransformer(residualConfig, 4);
  const logitsOnly = createHyperTransformer(logitsOnlyConfig, 5);
  // Copy every shared tensor from the residual model; silence its conv generators.
  const values = residual.values();
  for (const e of residual.layout.entries) {
    if (/^layer\d+\/transformer\/block0\/ln2\/(gamma|beta)$/.test(e.name) && !e.name.startsWith(`layer${base.cnn.layers}/`)) values.fill(0, e.offset, e.offset + e.size);
  }
  const target = logitsOnly.values();
  for (const e of logitsOnly.layout.entries) {
    const from = residual.layout.byName.get(e.name)!;
    target.set(values.subarray(from.offset, from.offset + from.size), e.offset);
  }
  residual.params.assign(tf.tensor1d(values));
  residual.markChanged();
  logitsOnly.params.assign(tf.tensor1d(target));
  logitsOnly.markChanged();
  const batch = stackEpisodes(base, [makeSyntheticEpisode(base, { ways: 3, shots: 2, queriesPerClass: 2, seed: 9 })]);
  const [a, b] = [residual, logitsOnly].map((m) => tf.tidy(() => m.queryLogits(m.views(), batch, { bnMode: 'support' }).dataSync().slice()));
  disposeMetaBatch(batch);
  assert.ok(a!.some((v) => v !== 0));
  assert.ok(maxAbsDiff(a!, b!) < 1e-5, `max |Δ logit| ${maxAbsDiff(a!, b!)}`);
  residual.dispose();
  logitsOnly.dispose();
});

test('label-embedding gradients: used rows non-zero, the unlabelled row only with unlabelled samples', () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 3);
  const rowsWithGrad = (unlabeled: number) => {
    const batch = stackEpisodes(config, [makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, unlabeledPerClass: unlabeled, seed: 1 })]);
    const grad = tf.tidy(() => tf.variableGrads(() => crossEntropy(model.queryLogits(model.views(), batch, { bnMode: 'support' }), batch.queryOneHot!), [model.params]).grads[model.params.name]!.dataSync().slice());
    disposeMetaBatch(batch);
    const e = model.layout.byName.get('layer0/label_embedding')!;
    const d = config.embeddingDim;
    return [...Array(config.maxWays + 1).keys()].filter((r) => grad.subarray(e.offset + r * d, e.offset + (r + 1) * d).some((v) => v !== 0));
  };
  assert.deepEqual(rowsWithGrad(0), [0, 1, 2]);
  assert.deepEqual(rowsWithGrad(2), [0, 1, 2, config.maxWays]);
  model.dispose();
});

test('a tiny model overfits a fixed set of episodes (loss falls ≥10×), tensors do not leak', async () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 1);
  const fixed = [0, 1].map((s) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 3, seed: 100 + s, noise: 0.2 }));
  const losses: number[] = [];
  const tensors: number[] = [];
  const trainer = new Trainer(model, {
    episodes: () => fixed,
    optimizer: { name: 'adam' },
    schedule: { kind: 'constant', lr: 3e-3 },
    onProgress: (p) => {
      losses.push(p.loss);
      tensors.push(p.numTensors);
    },
  });
  await trainer.run(60);
  const first = losses[0]!;
  const last = Math.min(...losses.slice(-5));
  assert.ok(last * 10 <= first, `loss ${first} → ${last}`);
  assert.equal(tensors[tensors.length - 1], tensors[1], 'tensor count stays flat');
  trainer.dispose();
  model.dispose();
});

test('the semi-supervised path (unlabelled support) trains, and BN modes differ', async () => {
  const config = tinyConfig();
  const model = createHyperTransformer(config, 2);
  const fixed = [makeSyntheticEpisode(config, { ways: 3, shots: 1, unlabeledPerClass: 2, queriesPerClass: 3, seed: 5, noise: 0.2 })];
  const losses: number[] = [];
  const trainer = new Trainer(model, { episodes: () => fixed, optimizer: { name: 'adam' }, schedule: { kind: 'constant', lr: 3e-3 }, onProgress: (p) => losses.push(p.loss) });
  await trainer.run(30);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(Math.min(...losses.slice(-3)) < losses[0]! / 2, `loss ${losses[0]} → ${losses.at(-1)}`);
  const batch = stackEpisodes(config, fixed);
  const [a, b] = (['support', 'transductive'] as const).map((bnMode) => tf.tidy(() => model.queryLogits(model.views(), batch, { bnMode }).dataSync().slice()));
  assert.notDeepEqual(a, b);
  disposeMetaBatch(batch);
  trainer.dispose();
  model.dispose();
});

test('ProtoNet baseline trains on the same episodes', async () => {
  const config = tinyConfig();
  const model = createProtoNet(config, 1);
  const fixed = [makeSyntheticEpisode(config, { ways: 3, shots: 2, queriesPerClass: 3, seed: 9, noise: 0.5 })];
  const losses: number[] = [];
  const trainer = new Trainer(model, { episodes: () => fixed, optimizer: { name: 'adam' }, schedule: { kind: 'constant', lr: 1e-2 }, onProgress: (p) => losses.push(p.loss) });
  await trainer.run(20);
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  trainer.dispose();
  model.dispose();
});

test('a step rejects episodes of different ways, and too many ways', () => {
  const config = tinyConfig();
  const a = makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 1, seed: 1 });
  const b = makeSyntheticEpisode(config, { ways: 2, shots: 1, queriesPerClass: 1, seed: 2 });
  assert.throws(() => stackEpisodes(config, [a, b]), { code: 'E_EPISODE_BATCH' });
  const big = makeSyntheticEpisode(config, { ways: 5, shots: 1, queriesPerClass: 1, seed: 3 });
  assert.throws(() => stackEpisodes(config, [big]), { code: 'E_SUPPORT_WAYS' });
});

test('addPrototypeLogits with a silent logits generator is the ProtoNet of the same CNN (same softmax)', () => {
  const base = tinyConfig();
  const config = tinyConfig({ cnn: { ...base.cnn, trainedConvLayers: base.cnn.layers, addPrototypeLogits: true } });
  const proto = createProtoNet(config, 5);
  const ht = createHyperTransformer(config, 6);
  const values = ht.values();
  const source = proto.values();
  for (const e of ht.layout.entries) {
    const from = proto.layout.byName.get(e.name);
    if (from) values.set(source.subarray(from.offset, from.offset + from.size), e.offset);
  }
  const logitsLayer = planModel(config).logits.index;
  for (const part of ['gamma', 'beta']) {
    const e = ht.layout.byName.get(`layer${logitsLayer}/transformer/block${config.transformer.layers - 1}/ln2/${part}`)!;
    values.fill(0, e.offset, e.offset + e.size);
  }
  ht.params.assign(tf.tensor1d(values));
  ht.markChanged();
  const episode = makeSyntheticEpisode(config, { ways: 3, shots: 2, queriesPerClass: 2, unlabeledPerClass: 1, seed: 9 });
  const batch = stackEpisodes(config, [episode]);
  const [a, b] = tf.tidy(() => [ht, proto].map((m) => tf.softmax(m.queryLogits(m.inferenceViews(), batch, { bnMode: 'support' })).dataSync().slice()));
  disposeMetaBatch(batch);
  assert.ok(maxAbsDiff(a!, b!) < 1e-5, `max |Δp| = ${maxAbsDiff(a!, b!)}`);
  ht.dispose();
  proto.dispose();
});
