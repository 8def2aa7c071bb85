#!/usr/bin/env node
/**
 * Edge targets: file sizes of ONNX, TFLite float32 and TFLite int8 (and the C array) for the 4-,
 * 8- and 16-channel CNNs the bundled models generate (`omniglot-4ch`, `default`, `omniglot-16ch`)
 * from the 5- and 20-way glyph fixtures, their parameters (as `hypertx inspect` counts them), and
 * the inference time per image of each file in its runtime (onnxruntime-node, LiteRT.js).
 *
 *   node tools/bench-edge.mjs [--record] [--out <file>]      (npm run bench:edge builds first)
 *
 * Writes bench/out/edge.json (not committed); --record writes bench/results/edge.json, the record
 * docs/edge.md quotes. Sizes are deterministic; times depend on the machine and its load, so the
 * load average before and after is recorded with them. A bundled model that is missing is replaced
 * by a freshly initialised HyperTransformer of that width (sizes only depend on the architecture).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countParameters } from '@hypertx/export';
import { createHyperTransformer, generate, initBackend, loadModel, preset } from '@hypertx/core';
import { denormalizePixels, loadSupportSet, supportBatch } from '@hypertx/data';
import { onnxFormat } from '@hypertx/export-onnx';
import { cArrayFormat, tfliteFormat, tfliteInt8Format } from '@hypertx/export-tflite';
import { bundledModelPath } from '@hypertx/pipeline';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';

const { values } = parseToolArgs(import.meta.url, { options: OUTPUT_OPTIONS });
const loadBefore = os.loadavg();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await initBackend('wasm');

// The bundled model of each width (undefined when the package ships without its models).
const bundled = { 4: bundledModelPath('omniglot-4ch'), 8: bundledModelPath('default'), 16: bundledModelPath('omniglot-16ch') };
const supports = { '5-way': 'fixtures/support/glyphs-5way-1shot', '20-way': 'fixtures/support/glyphs-20way-1shot' };
const imagesTimed = 100;
const round2 = (x) => Math.round(x * 100) / 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function modelFor(channels) {
  const file = bundled[channels];
  if (file) return { model: await loadModel(file), source: `bundled ${path.basename(file, '.hxmodel')} model` };
  const base = preset('omniglot-1shot').config;
  const config = { ...base, cnn: { ...base.cnn, channels }, localFeatures: { ...base.localFeatures, dim: channels } };
  return { model: createHyperTransformer(config, 1), source: 'untrained HyperTransformer of this width (sizes only depend on the architecture)' };
}

async function timePerImage(plugin, bytes, pixels, count, per) {
  const runner = await plugin.createRunner(bytes);
  try {
    for (let i = 0; i < 5; i++) await runner.run(pixels.subarray(0, per), 1); // warm-up
    const times = [];
    for (let i = 0; i < imagesTimed; i++) {
      const k = i % count;
      const t0 = performance.now();
      await runner.run(pixels.subarray(k * per, (k + 1) * per), 1);
      times.push(performance.now() - t0);
    }
    return { runtime: runner.runtime, medianMsPerImage: median(times) };
  } finally {
    await runner.dispose();
  }
}

const rows = [];
for (const channels of [4, 8, 16]) {
  const { model, source } = await modelFor(channels);
  const { height, width, channels: c } = model.config.image;
  for (const [ways, dir] of Object.entries(supports)) {
    const set = await loadSupportSet(path.join(root, dir), { height, width, channels: c });
    const batch = supportBatch(set);
    const cnn = generate(model, batch.support, batch.supportLabels, { normalization: set.normalization, labels: set.classNames });
    const raw = denormalizePixels(batch.support.pixels, set.images.channels, set.normalization);
    const per = height * width * c;
    const calibration = { pixels: raw, count: batch.support.count };
    const row = { channels, ways, model: source, input: `${height}×${width}×${c}`, parameters: countParameters(cnn), files: {} };
    for (const plugin of [onnxFormat, tfliteFormat, tfliteInt8Format, cArrayFormat]) {
      const files = await plugin.write(cnn, { calibration });
      const main = files.find((f) => f.role === 'model') ?? files[0];
      const entry = { bytes: main.bytes.length, ...(main.details ?? {}) };
      if (plugin.createRunner && plugin.id !== 'c-array') Object.assign(entry, await timePerImage(plugin, main.bytes, raw, batch.support.count, per));
      row.files[plugin.id] = entry;
    }
    rows.push(row);
    console.error(`${channels} ch ${ways}: ${Object.entries(row.files).map(([k, v]) => `${k} ${v.bytes} B${v.medianMsPerImage ? ` ${v.medianMsPerImage.toFixed(3)} ms` : ''}`).join(', ')}`);
  }
}

const out = {
  benchmark: 'edge',
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    // Other processes compete for the cores: times are only comparable at similar load.
    loadAverage1m: { before: round2(loadBefore[0]), after: round2(os.loadavg()[0]) },
  },
  note:
    `inference: median of ${imagesTimed} single-image runs after 5 warm-ups; c-array bytes are the .cc source, tfliteBytes the model it holds; ` +
    'parameters: conv and dense weights plus one bias per output channel, 2 per channel for each BatchNorm that does not fold (countParameters)',
  rows,
};
await writeOutput(outputPath('edge.json', values), JSON.stringify(out, null, 2) + '\n');
