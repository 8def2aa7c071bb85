#!/usr/bin/env node
/**
 * Gives a trained model (HyperTransformer or ProtoNet) a BatchNorm prior: population statistics of
 * each block's BatchNorm input, estimated from training support sets of the recipe's shapes (2–20
 * ways, 1–5 shots, 0–5 unlabelled; the training alphabets only, rotations included), blended into
 * support statistics with `--weight` pseudo-values (core: model/bn-prior.ts).
 *
 *   node tools/results/add-bn-prior.mjs --model in.hxmodel --out out.hxmodel [--weight 30]
 *        [--sets 512] [--data <omniglot dir>] [--sweep 0,3,10,30,100] [--validation-shapes 5w1s,20w1s]
 *        [--keep-statistics]
 *
 * --keep-statistics changes only the weight of the model's own prior (no new estimate): to re-tune
 * the weight of a trained model, e.g. after a support-shift fill changed how many values the
 * support statistics pool. --model also takes a bundled model name.
 *
 * --sweep prints validation accuracy (the 300 checkpoint-selection episodes: held-out alphabets,
 * 5-way 1-shot, seed 7) for each weight, to choose one without touching the test episodes.
 */
import { addBnPrior } from '@hypertx/pipeline';
import { OMNIGLOT_DATA_OPTION, orExplain, parseToolArgs } from '../tool-args.mjs';

const { values } = parseToolArgs(import.meta.url, {
  options: {
    data: OMNIGLOT_DATA_OPTION,
    model: { type: 'string' },
    out: { type: 'string' },
    weight: { type: 'string', default: '30' },
    sets: { type: 'string', default: '512' },
    sweep: { type: 'string' },
    'validation-shapes': { type: 'string', default: '5w1s' },
    'keep-statistics': { type: 'boolean', default: false },
  },
});
if (!values.model || (!values.out && !values.sweep)) {
  console.error('usage: add-bn-prior.mjs --model <in> (--out <out> | --sweep w1,w2,…) [--weight 30] [--sets 512]');
  process.exit(2);
}

// A line per ~10% of each estimate (each weight of a sweep, then the written prior, starts again at 0).
let lastTenth = -1;
function onProgress(event) {
  if (event.type === 'stage') {
    console.error(event.message);
    return;
  }
  if (event.type !== 'progress') return;
  const tenth = Math.floor((10 * event.done) / event.total);
  if (event.done === 1) lastTenth = -1;
  if (tenth > lastTenth) {
    lastTenth = tenth;
    console.error(`  ${event.done}/${event.total} ${event.unit}`);
  }
}

const result = await orExplain(
  'add-bn-prior',
  addBnPrior({
    model: values.model,
    data: values.data,
    ...(values.out ? { out: values.out } : {}),
    weight: Number(values.weight),
    sets: Number(values.sets),
    statistics: values['keep-statistics'] ? 'keep' : 'estimate',
    ...(values.sweep ? { sweep: { weights: values.sweep.split(',').map(Number), shapes: values['validation-shapes'].split(',') } } : {}),
    onProgress,
  }),
);
for (const shape of new Set(result.sweep.map((r) => r.shape))) {
  const row = result.sweep.filter((r) => r.shape === shape).map((r) => `${r.weight}: ${(r.mean * 100).toFixed(2)} ± ${(r.ci95 * 100).toFixed(2)}`);
  console.log(`${shape} (validation, 300 episodes)  ${row.join('   ')}`);
}
if (result.out) console.log(`${result.out}: BatchNorm prior, weight ${values.weight}, ${values['keep-statistics'] ? 'its statistics kept' : `from ${values.sets} training support sets`}`);
