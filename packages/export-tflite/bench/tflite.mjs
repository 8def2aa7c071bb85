#!/usr/bin/env node
/**
 * Benchmark: the paper's Omniglot CNN (`paperOmniglotCnn(0)`) through the TFLite plugins —
 * file sizes (float32, int8, int8 I/O, C source), write time, LiteRT.js load/compile and per-image
 * inference time, and accuracy vs the float64 reference.
 *
 *   npm run bench:tflite [-- --runs 30] [-- --record | -- --out <file>]   (node packages/export-tflite/bench/tflite.mjs after a build)
 *
 * Writes bench/out/tflite.json (not committed); --record writes bench/results/tflite.json, the
 * committed record.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from '../../../tools/bench-output.mjs';
import { parseToolArgs } from '../../../tools/tool-args.mjs';
import { runReference } from '@hypertx/export';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';
import { cArrayFormat, createRunner, estimateArena, exportTflite } from '@hypertx/export-tflite';

const { values: args } = parseToolArgs(import.meta.url, { options: { runs: { type: 'string', default: '30' }, ...OUTPUT_OPTIONS } });
const runs = Math.max(1, Number.parseInt(args.runs, 10));
const out = outputPath('tflite.json', args);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, digits = 4) => Number(x.toPrecision(digits));
async function timeMs(fn, count) {
  for (let i = 0; i < 3; i++) await fn();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { medianMs: round(median(samples)), minMs: round(Math.min(...samples)), runs: count };
}
const maxAbsDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const model = paperOmniglotCnn(0);
const calibration = { pixels: randomPixels(100, model, 32), count: 32 };
const IMAGES = 16;
const pixels = randomPixels(1, model, IMAGES);
const reference = runReference(model, pixels, IMAGES);

const loadStart = performance.now();
const f32 = exportTflite(model, 'float32');
const firstRunner = await createRunner(f32); // includes the one-time LiteRT.js load
const firstLoadMs = performance.now() - loadStart;
await firstRunner.dispose();

const i8 = exportTflite(model, 'int8', { calibration });
const i8io = exportTflite(model, 'int8', { calibration, io: 'int8' });
const [header, source] = await cArrayFormat.write(model, { calibration });

const result = {
  benchmark: 'tflite',
  model: 'paperOmniglotCnn(0): 28x28x1, 4 x (conv3x3x8 same, relu, maxpool2, bn), dense 8->20',
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
  sizesBytes: {
    float32: f32.length,
    int8: i8.length,
    int8Io: i8io.length,
    cArrayHeader: header.bytes.length,
    cArraySource: source.bytes.length,
  },
  arenaEstimate: { int8: estimateArena(model), float32: estimateArena(model, { precision: 'float32' }) },
  write: {
    float32: await timeMs(() => exportTflite(model, 'float32'), runs),
    int8: await timeMs(() => exportTflite(model, 'int8', { calibration }), runs),
  },
  litert: { firstCreateRunnerIncludingLoadMs: round(firstLoadMs) },
  accuracy: {},
};

for (const [name, bytes] of [['float32', f32], ['int8', i8]]) {
  result.litert[`${name}CreateRunner`] = await timeMs(async () => (await createRunner(bytes)).dispose(), Math.min(runs, 10));
  const runner = await createRunner(bytes);
  result.litert[`${name}PerImage`] = await timeMs(() => runner.run(pixels.subarray(0, 784), 1), runs);
  const o = await runner.run(pixels, IMAGES);
  await runner.dispose();
  const argmax = (x, r) => x.subarray(r * 20, r * 20 + 20).reduce((b, v, k, a) => (v > a[b] ? k : b), 0);
  let agree = 0;
  for (let r = 0; r < IMAGES; r++) if (argmax(o.probabilities, r) === argmax(reference.probabilities, r)) agree++;
  result.accuracy[name] = {
    images: IMAGES,
    maxAbsDiffLogits: round(maxAbsDiff(o.logits, reference.logits)),
    maxAbsDiffProbabilities: round(maxAbsDiff(o.probabilities, reference.probabilities)),
    probabilityOutputSteps: round(maxAbsDiff(o.probabilities, reference.probabilities) * 256),
    argmaxAgreement: `${agree}/${IMAGES}`,
  };
}

await writeOutput(out, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
