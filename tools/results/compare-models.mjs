#!/usr/bin/env node
/**
 * Compares models on the same episodes, paired. By default the episodes come from the procedural
 * glyph generator: the validation set of a run that trains on every Omniglot alphabet (recipe
 * `data.trainAlphabets: "all"`), and a cross-check that needs no held-out alphabet, e.g. a
 * 30-alphabet model against its 25-alphabet twin. With --alphabets they come from those Omniglot
 * alphabets (of --data): glyphs are a drawing style nothing trained on, and a model can gain there
 * while it loses on handwriting, so check both before shipping.
 * Prints one JSON object on stdout; writes nothing.
 *
 *   node tools/results/compare-models.mjs --model name=path [--model name=path ...]
 *        [--episodes 1000] [--ways 5] [--shots 1] [--queries 5] [--seed 7] [--support-shifts n]
 *        [--alphabets Latin,Greek,... | --alphabets validation] [--data <omniglot dir>]
 *
 * Each model is a bundled model name (default, omniglot-4ch, …) or a .hxmodel/.hxckpt file
 * (HyperTransformer or ProtoNet), run in TF.js with support-set BatchNorm, as training validates,
 * and with each file's own support-shift fill unless --support-shifts sets one fill for all (0:
 * none, to compare what training alone did). `--alphabets validation` names the 5 alphabets the
 * 25-alphabet recipes hold out. Every model of one input size sees the same episodes (sampled
 * with --seed), so each model after the first also gets its paired difference to the first
 * (`vsFirst`, mean and 95% CI over episodes): tighter than comparing two independent CIs.
 */
import { checkSupportShifts, evaluate, initBackend, loadCheckpoint, meanAndCi95, modelFromState } from '@hypertx/core';
import { OMNIGLOT_VALIDATION_ALPHABETS, createEpisodeSampler, createGlyphSource, holdOutGroups, loadOmniglot } from '@hypertx/data';
import { VALIDATION_GLYPHS, resolveModel } from '@hypertx/pipeline';
import { OMNIGLOT_DATA_OPTION, parseToolArgs } from '../tool-args.mjs';

const TOOL = 'compare-models.mjs';
const { values } = parseToolArgs(import.meta.url, {
  options: {
    model: { type: 'string', multiple: true, default: [] },
    episodes: { type: 'string', default: '1000' },
    ways: { type: 'string', default: '5' },
    shots: { type: 'string', default: '1' },
    queries: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
    'support-shifts': { type: 'string' },
    alphabets: { type: 'string' },
    data: OMNIGLOT_DATA_OPTION,
  },
});

function fail(message, code) {
  process.stderr.write(`${TOOL}: ${message}\n`);
  process.exit(code);
}

function wholeNumber(flag, min) {
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n < min) fail(`--${flag} takes a whole number ≥ ${min}, got "${values[flag]}"`, 2);
  return n;
}
const spec = { episodes: wholeNumber('episodes', 1), ways: wholeNumber('ways', 2), shots: wholeNumber('shots', 1), queries: wholeNumber('queries', 1), seed: wholeNumber('seed', 0) };
const fill = values['support-shifts'] === undefined ? undefined : wholeNumber('support-shifts', 0);
const models = values.model.map((m) => {
  const at = m.indexOf('=');
  if (at < 1) fail(`--model takes name=path, got "${m}"`, 2);
  return { name: m.slice(0, at), file: m.slice(at + 1) };
});
if (models.length === 0) fail('give at least one --model name=path', 2);

/** Where the episodes come from, and how the record names it. */
function episodeSource() {
  if (values.alphabets === undefined) return { source: createGlyphSource(VALIDATION_GLYPHS), describe: { glyphs: VALIDATION_GLYPHS } };
  const names = values.alphabets === 'validation' ? [...OMNIGLOT_VALIDATION_ALPHABETS] : values.alphabets.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) fail('--alphabets takes a comma-separated list of Omniglot alphabets, or "validation"', 2);
  try {
    return { source: holdOutGroups(loadOmniglot(values.data), names).heldOut, describe: { omniglot: { data: values.data, alphabets: names } } };
  } catch (err) {
    return fail(err.message, 3);
  }
}

await initBackend('wasm');
const { source, describe } = episodeSource();
const results = {};
let first;
for (const { name, file } of models) {
  let model;
  try {
    model = modelFromState(await loadCheckpoint(resolveModel(file)));
    if (fill !== undefined) model.supportShifts = checkSupportShifts(fill, '--support-shifts');
  } catch (err) {
    fail(err.message, 3);
  }
  const { height, width } = model.config.image;
  const sampler = createEpisodeSampler(source, { ways: spec.ways, shots: spec.shots, queries: spec.queries, imageSize: { height, width }, seed: spec.seed });
  const r = await evaluate(model, Array.from({ length: spec.episodes }, () => sampler.next()), { bnMode: 'support' });
  results[name] = { file, kind: model.kind, input: `${height}×${width}`, supportShifts: model.supportShifts, accuracy: r.mean, ci95: r.ci95 };
  if (!first) first = { name, input: results[name].input, accuracies: r.accuracies };
  else if (first.input === results[name].input) {
    const diff = meanAndCi95(r.accuracies.map((a, i) => a - first.accuracies[i]));
    results[name].vsFirst = { model: first.name, difference: diff.mean, ci95: diff.ci95 };
  }
  model.dispose();
}
const setting = `${spec.ways}-way ${spec.shots}-shot, ${spec.queries} queries per class, ${spec.episodes} episodes, seed ${spec.seed}`;
process.stdout.write(JSON.stringify({ ...describe, setting, results }, null, 2) + '\n');
