#!/usr/bin/env node
/**
 * Benchmark: how long each registered format plugin takes to write the paper's Omniglot CNN
 * (`paperOmniglotCnn(0)`), how big the file is, and how close its runtime output is to the float64
 * reference. Writes bench/out/export.json (not committed); --record writes bench/results/export.json,
 * the committed record. Run with `npm run bench:export` (builds first).
 *
 * Usage: node tools/bench-export.mjs [--runs 50] [--record | --out <file>]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';
import { FormatRegistry, encodeCnn, hxcnnFormat, foldBatchNorm, runReference } from '@hypertx/export';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';
import { encodeOnnx, onnxFormat } from '@hypertx/export-onnx';

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    runs: { type: 'string', default: '50' },
    ...OUTPUT_OPTIONS,
  },
});
const runs = Math.max(1, Number.parseInt(args.runs, 10));
const WARMUP = 5;
const VERIFY_IMAGES = 16;
const RUN_REPEATS = 10;

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs: round(median), minMs: round(sorted[0]), p90Ms: round(at(0.9)), runs: sorted.length };
}
const round = (x) => Math.round(x * 1e4) / 1e4;

async function time(fn, count) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const model = paperOmniglotCnn(0);
const parameters = model.layers.reduce(
  (n, l) => n + ['weights', 'bias', 'mean', 'variance', 'gamma', 'beta'].reduce((k, f) => k + (l[f]?.data.length ?? 0), 0),
  0,
);
const calibration = { pixels: randomPixels(100, model, 32), count: 32 };
const verifyPixels = randomPixels(200, model, VERIFY_IMAGES);
const reference = runReference(model, verifyPixels, VERIFY_IMAGES);

const registry = new FormatRegistry();
registry.register(onnxFormat);
registry.register(hxcnnFormat, { priority: -1 }); // the IR itself, as a baseline
const skipped = [];
try {
  const tflite = await import('@hypertx/export-tflite');
  for (const name of ['tfliteFormat', 'tfliteInt8Format', 'cArrayFormat']) {
    if (tflite[name]) registry.register(tflite[name]);
    else skipped.push({ id: name, reason: `@hypertx/export-tflite does not export ${name}` });
  }
} catch (err) {
  skipped.push({ id: 'tflite, tflite-int8', reason: `@hypertx/export-tflite not importable (not built?): ${err.message}` });
}

const formats = [];
for (const plugin of registry.list()) {
  // Float formats ignore calibration (ExportOptions contract); quantising ones (and c-array) need it.
  const options = { calibration };
  let files;
  try {
    files = await plugin.write(model, options);
  } catch (err) {
    skipped.push({ id: plugin.id, reason: `write failed: ${err.code ?? ''} ${err.message}`.trim() });
    continue;
  }
  const entry = {
    id: plugin.id,
    description: plugin.description,
    quantized: Boolean(plugin.quantized),
    files: files.map((f) => ({ extension: f.extension, role: f.role, bytes: f.bytes.length })),
    bytes: files.reduce((n, f) => n + f.bytes.length, 0),
    write: await time(() => plugin.write(model, options), runs),
  };
  const modelFile = files.find((f) => f.role === 'model');
  if (plugin.createRunner && modelFile) {
    try {
      const t0 = performance.now();
      const runner = await plugin.createRunner(modelFile.bytes);
      entry.runtime = runner.runtime;
      entry.runnerCreateMs = round(performance.now() - t0);
      const out = await runner.run(verifyPixels, VERIFY_IMAGES);
      entry.maxAbsDiffVsReference = {
        images: VERIFY_IMAGES,
        logits: maxAbsDiff(out.logits, reference.logits),
        probabilities: maxAbsDiff(out.probabilities, reference.probabilities),
      };
      entry[`run${VERIFY_IMAGES}Images`] = await time(() => runner.run(verifyPixels, VERIFY_IMAGES), RUN_REPEATS);
      await runner.dispose();
    } catch (err) {
      entry.runnerError = `${err.code ?? ''} ${err.message}`.trim();
    }
  }
  formats.push(entry);
}

/**
 * Optional spec-conformance check of the ONNX files with the official `onnx` Python package
 * (Debian python3-onnx 1.12: checker full_check + strict shape inference). A dev-time tool only.
 */
async function onnxConformance() {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'python3-onnx is not installed (apt-get install python3-onnx)' };
  const dir = await mkdtemp(resolve(os.tmpdir(), 'hypertx-onnx-check-'));
  try {
    const files = [];
    for (const opset of [9, 13, 17]) {
      for (const fold of [true, false]) {
        const path = resolve(dir, `paper-opset${opset}-${fold ? 'folded' : 'bn'}.onnx`);
        await writeFile(path, encodeOnnx(model, { opset, foldBatchNorm: fold }));
        files.push(path);
      }
    }
    const script = [
      'import sys, onnx',
      'from onnx import checker, shape_inference',
      'for f in sys.argv[1:]:',
      '    m = onnx.load(f); checker.check_model(m, full_check=True); shape_inference.infer_shapes(m, strict_mode=True)',
      'print(len(sys.argv) - 1)',
    ].join('\n');
    const run = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8' });
    return {
      tool: `onnx ${probe.stdout.trim()} checker.check_model(full_check=True) + infer_shapes(strict_mode=True)`,
      files: files.length,
      variants: 'opset 9/13/17 x BN folded/BatchNormalization nodes',
      passed: run.status === 0,
      ...(run.status === 0 ? {} : { error: run.stderr.trim().split('\n').slice(-3).join(' ') }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const hxcnnBytes = encodeCnn(model);
const result = {
  benchmark: 'export',
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
  model: {
    name: 'paperOmniglotCnn(0)',
    description: '28x28x1, 4 x (conv3x3 8ch same, relu, maxpool 2 valid, batchnorm), flatten, dense 8->20',
    parameters,
    layers: model.layers.length,
  },
  method: `median of ${runs} timed runs after ${WARMUP} warm-up runs of plugin.write(); runtime outputs compared with the float64 reference on ${VERIFY_IMAGES} random images; int8 calibrated on 32 random images`,
  ir: {
    hxcnnBytes: hxcnnBytes.length,
    encode: await time(() => encodeCnn(model), runs),
    foldBatchNorm: await time(() => foldBatchNorm(model), runs),
    runReference16Images: await time(() => runReference(model, verifyPixels, VERIFY_IMAGES), Math.min(runs, 20)),
  },
  formats,
  skipped,
  onnxConformance: await onnxConformance(),
};

await writeOutput(outputPath('export.json', args), `${JSON.stringify(result, null, 2)}\n`);
for (const f of formats) {
  process.stdout.write(`${f.id.padEnd(12)} ${String(f.bytes).padStart(7)} B  write ${f.write.medianMs} ms (median of ${f.write.runs})` +
    (f.maxAbsDiffVsReference ? `  |Δlogits| ${f.maxAbsDiffVsReference.logits.toExponential(2)} (${f.runtime})` : '') + '\n');
}
process.stdout.write(`onnx conformance: ${JSON.stringify(result.onnxConformance)}\n`);
for (const s of skipped) process.stdout.write(`skipped ${s.id}: ${s.reason}\n`);
