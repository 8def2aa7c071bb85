#!/usr/bin/env node
/**
 * Where the int8 error against the float reference comes from (issue 7.1), on the 50 seeded random
 * IRs of the LiteRT test (`randomCnn(0..49)`, 4 images each, calibrated on those images + 12 others).
 * Each row is the max |Δp| over the 4 images in output steps (1/256), simulated in float64 from the
 * written int8 graph (LiteRT.js matches the simulation within 1 step, see runner.test.ts):
 *   full          the int8 graph as written;
 *   weights only  int8 weights and biases, activations kept real (only the softmax output is int8);
 *   logits only   int8 weights and the int8 logits tensor, hidden activations real;
 *   margins       the full graph with other calibration headroom (hidden / logits).
 *
 *   node packages/export-tflite/bench/int8-error-budget.mjs [--record | --out <file>]   (after a build)
 *
 * Writes bench/out/int8-error-budget.json (not committed); --record writes
 * bench/results/int8-error-budget.json, the record the export-tflite README quotes.
 */
import path from 'node:path';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from '../../../tools/bench-output.mjs';
import { parseToolArgs } from '../../../tools/tool-args.mjs';
import { runReference } from '@hypertx/export';
import { randomCnn, randomPixels } from '@hypertx/export/testing';
// This package's internals (the int8 graph before serialisation, its simulator): a package's own bench may import them.
import { buildTfliteGraph } from '../dist/tflite-format.js';
import { simulateGraph } from '../dist/simulate.js';
import { TensorType } from '../dist/schema.js';

const { values: args } = parseToolArgs(import.meta.url, { options: OUTPUT_OPTIONS });

const BATCH = 4;
const STEP = 1 / 256;
const MODELS = 50;

/** As in runner.test.ts: the evaluated images plus 12 others. */
function calibrationWith(model, pixels, seed) {
  const extra = randomPixels(seed, model, 12);
  const all = new Float32Array(extra.length + pixels.length);
  all.set(extra);
  all.set(pixels, extra.length);
  return { pixels: all, count: 12 + BATCH };
}

function stepsFromReference(graph, reference, pixels) {
  const classes = reference.shape[1];
  const size = pixels.length / BATCH;
  let worst = 0;
  for (let n = 0; n < BATCH; n++) {
    const sim = simulateGraph(graph, pixels.subarray(n * size, (n + 1) * size));
    for (let k = 0; k < classes; k++) worst = Math.max(worst, Math.abs(sim.probabilities[k] - reference.probabilities[n * classes + k]) / STEP);
  }
  return worst;
}

/** The graph with chosen int8 activation tensors made real (the simulator then skips their rounding). */
function withRealActivations(graph, keepInt8) {
  const tensors = graph.tensors.map((t, i) => {
    const activation = !t.data && t.type === TensorType.INT8 && i !== graph.inputs[0] && !/probabilities/.test(t.name);
    return activation && !keepInt8(t) ? { ...t, type: TensorType.FLOAT32 } : t;
  });
  return { ...graph, tensors };
}

const variants = {
  full: {},
  'weights only': { real: () => false },
  'logits only': { real: (t) => t.name === 'logits' || t.name === 'logits_int8' },
  'margins 0 / 0': { options: { rangeMargin: 0, logitsRangeMargin: 0 } },
  'margins 0 / 0.25': { options: { rangeMargin: 0, logitsRangeMargin: 0.25 } },
  'margins 0.05 / 0.1': { options: { rangeMargin: 0.05, logitsRangeMargin: 0.1 } },
};
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let seed = 0; seed < MODELS; seed++) {
  const model = randomCnn(seed);
  const pixels = randomPixels(seed, model, BATCH);
  const reference = runReference(model, pixels, BATCH);
  const calibration = calibrationWith(model, pixels, seed + 500);
  for (const [name, v] of Object.entries(variants)) {
    let graph = buildTfliteGraph(model, 'int8', { calibration, ...(v.options ?? {}) });
    if (v.real) graph = withRealActivations(graph, v.real);
    results[name].push(stepsFromReference(graph, reference, pixels));
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([name, steps]) => {
    const sorted = [...steps].sort((a, b) => a - b);
    return [name, { median: +sorted[MODELS >> 1].toFixed(2), max: +sorted.at(-1).toFixed(2), within2: steps.filter((s) => s <= 2).length, of: MODELS }];
  }),
);
console.table(summary);
await writeOutput(
  outputPath('int8-error-budget.json', args),
  JSON.stringify({ benchmark: 'int8-error-budget', date: new Date().toISOString(), unit: 'output steps (1/256) of max |Δp| vs the float64 reference', models: MODELS, imagesPerModel: BATCH, summary }, null, 2) + '\n',
);
