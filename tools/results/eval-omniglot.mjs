#!/usr/bin/env node
/**
 * Evaluates trained models on the held-out Omniglot alphabets. Writes bench/out/omniglot-eval.json
 * (not committed); with --record, bench/results/omniglot-eval.json, the record docs/results.md and
 * the plots use.
 *
 *   node tools/results/eval-omniglot.mjs --data <omniglot dir> --run name=path [--run name=path ...]
 *        [--episodes 1000] [--only 5w1s,20w1s] [--engine onnx] [--record | --out <file>]
 *
 * Each run is a .hxmodel/.hxckpt file. HyperTransformers are measured as exported ONNX files in
 * onnxruntime-node (support-set BatchNorm, as compiled files run) and, for comparison with the paper,
 * in TF.js with transductive BatchNorm; ProtoNets in TF.js. Results merge into the file written (or,
 * when it does not exist yet, into a copy of the committed record).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdOutGroups, loadOmniglot, OMNIGLOT_VALIDATION_ALPHABETS } from '@hypertx/data';
import { evaluate, inspectFile } from '@hypertx/pipeline';
import { OUTPUT_OPTIONS, machineRecord, outputPath, readMergeBase, writeOutput } from '../bench-output.mjs';
import { OMNIGLOT_DATA_OPTION, parseToolArgs } from '../tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, {
  options: {
    data: OMNIGLOT_DATA_OPTION,
    run: { type: 'string', multiple: true, default: [] },
    episodes: { type: 'string', default: '1000' },
    only: { type: 'string' },
    engine: { type: 'string', default: 'onnx' },
    ...OUTPUT_OPTIONS,
  },
});

const SETTINGS = [
  { id: '5w1s', ways: 5, shots: 1, unlabeled: 0 },
  { id: '5w5s', ways: 5, shots: 5, unlabeled: 0 },
  { id: '20w1s', ways: 20, shots: 1, unlabeled: 0 },
  { id: '5w1s+2u', ways: 5, shots: 1, unlabeled: 2 },
  { id: '5w1s+5u', ways: 5, shots: 1, unlabeled: 5 },
  { id: '20w1s+2u', ways: 20, shots: 1, unlabeled: 2 },
  { id: '20w1s+5u', ways: 20, shots: 1, unlabeled: 5 },
  // The range of support sets the default model accepts (issue 5.6): the extremes of ways and shots.
  { id: '2w1s', ways: 2, shots: 1, unlabeled: 0 },
  { id: '10w3s', ways: 10, shots: 3, unlabeled: 0 },
  { id: '5w10s', ways: 5, shots: 10, unlabeled: 0 },
  { id: '20w10s', ways: 20, shots: 10, unlabeled: 0 },
];
const only = values.only ? new Set(values.only.split(',')) : null;
const episodesCount = Number(values.episodes);
const queries = 5;

const source = holdOutGroups(loadOmniglot(values.data), OMNIGLOT_VALIDATION_ALPHABETS).heldOut;
const outFile = outputPath('omniglot-eval.json', values);
const results = (await readMergeBase(outFile, 'omniglot-eval.json')) ?? { results: {} };
results.protocol = {
  split: `Omniglot background; held out alphabets: ${OMNIGLOT_VALIDATION_ALPHABETS.join(', ')} (${source.classes.length} characters)`,
  episodes: episodesCount,
  queriesPerClass: queries,
  seed: 'episode seed 1000 + setting index; the same episodes for every model',
  ci: '95% normal-approximation CI of the mean episode accuracy (1.96·sd/√n)',
};

for (const spec of values.run) {
  const [name, file] = spec.split('=');
  const model = await inspectFile(file);
  results.results[name] ??= {};
  const entry = results.results[name];
  entry.kind = model.kind;
  entry.file = path.relative(root, path.resolve(file));
  entry.channels = model.cnn.channels;
  entry.imageSize = model.image.height;
  entry.bnPriorWeight = model.bnPriorWeight ?? 0;
  entry.supportShifts = model.supportShifts ?? 0;
  for (const [i, s] of SETTINGS.entries()) {
    if (only && !only.has(s.id)) continue;
    const modes = model.kind === 'hypertransformer'
      ? [{ key: 'exported', engine: values.engine, bnMode: 'support' }, { key: 'transductive', engine: 'tfjs', bnMode: 'transductive' }]
      : [{ key: 'exported', engine: 'tfjs', bnMode: 'support' }, { key: 'transductive', engine: 'tfjs', bnMode: 'transductive' }];
    // Unlabelled images: compile labels them with a first pass (self-label); also measure them left as tokens.
    if (model.kind === 'hypertransformer' && s.unlabeled > 0) modes.push({ key: 'exportedTokens', engine: values.engine, bnMode: 'support', selfLabel: false });
    entry[s.id] = {};
    for (const m of modes) {
      const t0 = performance.now();
      // The same seed gives every mode and every model the same episodes.
      const r = await evaluate({
        model: file,
        data: values.data,
        groups: OMNIGLOT_VALIDATION_ALPHABETS,
        episodes: episodesCount,
        ways: s.ways,
        shots: s.shots,
        unlabeled: s.unlabeled,
        queries,
        seed: 1000 + i,
        engine: m.engine,
        bnMode: m.bnMode,
        ...(m.selfLabel !== undefined ? { selfLabel: m.selfLabel } : {}),
        backend: 'wasm',
      });
      entry[s.id][m.key] = { engine: m.engine, bnMode: m.bnMode, selfLabel: m.selfLabel ?? (m.engine !== 'tfjs'), mean: r.accuracy, ci95: r.ci95, episodes: r.episodes, seconds: (performance.now() - t0) / 1000 };
      console.error(`${name} ${s.id} ${m.key}: ${(r.accuracy * 100).toFixed(2)} ± ${(r.ci95 * 100).toFixed(2)} (${r.episodes} episodes)`);
    }
    results.machine = machineRecord();
    await writeOutput(outFile, JSON.stringify(results, null, 2) + '\n');
  }
}
