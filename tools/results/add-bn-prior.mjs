#!/usr/bin/env node
/**
 * Gives a trained model (HyperTransformer or ProtoNet) a BatchNorm prior: population statistics of
 * each block's BatchNorm input, estimated from training support sets of the recipe's shapes (2–20
 * ways, 1–5 shots, 0–5 unlabelled; the training alphabets only, rotations included), blended into
 * support statistics with `--weight` pseudo-values (core: model/bn-prior.ts).
 *
 *   node tools/results/add-bn-prior.mjs --model in.hxmodel --out out.hxmodel [--weight 30]
 *        [--sets 512] [--data <omniglot dir>] [--sweep 0,3,10,30,100]
 *
 * --sweep prints validation accuracy (the 300 checkpoint-selection episodes: held-out alphabets,
 * 5-way 1-shot, seed 7) for each weight, to choose one without touching the test episodes.
 */
import { parseToolArgs } from '../tool-args.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, {
  options: {
    data: { type: 'string', default: process.env.HYPERTX_OMNIGLOT_DIR ?? path.join(root, '../shared/datasets/omniglot-background') },
    model: { type: 'string' },
    out: { type: 'string' },
    weight: { type: 'string', default: '30' },
    sets: { type: 'string', default: '512' },
    sweep: { type: 'string' },
    'validation-shapes': { type: 'string', default: '5w1s' },
  },
});
if (!values.model || (!values.out && !values.sweep)) {
  console.error('usage: add-bn-prior.mjs --model <in> (--out <out> | --sweep w1,w2,…) [--weight 30] [--sets 512]');
  process.exit(2);
}
const core = await import(path.join(root, 'packages/core/dist/index.js'));
const data = await import(path.join(root, 'packages/data/dist/index.js'));
await core.initBackend('auto');

const state = await core.loadCheckpoint(values.model);
const model = core.modelFromState(state);
const size = model.config.image.height;
const split = data.holdOutGroups(data.loadOmniglot(values.data), data.OMNIGLOT_VALIDATION_ALPHABETS);
const train = data.rotatedClasses(split.train);

function estimate(weight) {
  const sampler = data.createEpisodeSampler(train, { ways: [2, 20], shots: [1, 5], unlabeled: [0, 5], queries: 1, imageSize: size, seed: 4242 });
  const episodes = Array.from({ length: Number(values.sets) }, () => sampler.next());
  function* batches() {
    for (const e of episodes) {
      const b = core.stackEpisodes(model.config, [e]);
      try {
        yield b;
      } finally {
        core.disposeMetaBatch(b);
      }
    }
  }
  model.bnPrior = null;
  // Twice: the second pass sees earlier blocks normalised with the prior, as inference will.
  model.bnPrior = core.estimateBnPrior(model, batches(), weight);
  model.bnPrior = core.estimateBnPrior(model, batches(), weight);
}

if (values.sweep) {
  for (const shape of values['validation-shapes'].split(',')) {
    const [, w, s, u] = shape.match(/^(\d+)w(\d+)s(?:\+(\d+)u)?$/);
    const sampler = data.createEpisodeSampler(split.heldOut, { ways: +w, shots: +s, unlabeled: +(u ?? 0), queries: 5, imageSize: size, seed: 7 });
    const episodes = Array.from({ length: 300 }, () => sampler.next());
    const row = [];
    for (const weight of values.sweep.split(',').map(Number)) {
      estimate(weight);
      if (weight === 0) model.bnPrior = null;
      const r = core.evaluate(model, episodes, { bnMode: 'support' });
      row.push(`${weight}: ${(r.mean * 100).toFixed(2)} ± ${(r.ci95 * 100).toFixed(2)}`);
    }
    console.log(`${shape} (validation, 300 episodes)  ${row.join('   ')}`);
  }
}
if (values.out) {
  estimate(Number(values.weight));
  await core.saveCheckpoint(values.out, { ...state, bnPrior: model.bnPrior });
  console.log(`${values.out}: BatchNorm prior, weight ${values.weight}, from ${values.sets} training support sets`);
}
