#!/usr/bin/env node
/**
 * Benchmark: a cold `hypertx compile` of the 5-way 1-shot fixture to ONNX and TFLite, both verified
 * in their runtimes, timed from process start to exit (a fresh `node` process per run). The
 * per-phase breakdown comes from the command's own `--json` `timingsMs`. Writes bench/out/cli.json
 * (not committed); --record writes bench/results/cli.json, the committed record. Run with
 * `npm run bench:cli` (builds the CLI first; `npm run bench:cli -- --record`).
 *
 * Model: the bundled `-m default` when packages/pipeline/models/default.hxmodel exists, else an
 * untrained HyperTransformer of the same architecture (omniglot-1shot preset, 8 channels), saved
 * to a temporary file: compile time does not depend on what the weights learned.
 *
 * Usage: node tools/bench-cli.mjs [--runs 9] [--model <path|name>] [--record | --out <file>]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bundledModelPath } from '@hypertx/pipeline';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The `hypertx` command as the CLI package declares it (its package.json "bin"), as npm would link it.
const require = createRequire(import.meta.url);
const bin = resolve(dirname(require.resolve('@hypertx/cli/package.json')), require('@hypertx/cli/package.json').bin.hypertx);
const bundled = bundledModelPath('default');
const support = resolve(root, 'fixtures/support/glyphs-5way-1shot');
const TARGET_MS = 2000;

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    runs: { type: 'string', default: '9' },
    model: { type: 'string' },
    ...OUTPUT_OPTIONS,
  },
});
const runs = Math.max(1, Number.parseInt(args.runs, 10));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

/** Runs `node bin.js ...args`; resolves to wall time (spawn → exit) and the parsed stdout. */
function timeCompile(argv, cwd) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return fail(new Error(`compile exited ${code}:\n${stdout}\n${stderr}`));
      done({ wallMs, result: JSON.parse(stdout) });
    });
  });
}

async function modelForBench(work) {
  if (args.model) return { arg: args.model, description: args.model };
  if (bundled) return { arg: 'default', description: `bundled default (${relative(root, bundled)})` };
  const core = await import('@hypertx/core');
  await core.initBackend('wasm');
  const config = core.preset('omniglot-1shot').config;
  config.cnn.channels = 8;
  config.localFeatures.dim = 8;
  const file = join(work, 'untrained-omniglot-8ch.hxmodel');
  await core.saveModel(file, core.createHyperTransformer(config, 0));
  return { arg: file, description: 'untrained HyperTransformer, omniglot-1shot preset with 8 channels (the default model architecture); the bundled model did not exist' };
}

const work = await mkdtemp(join(os.tmpdir(), 'hypertx-bench-cli-'));
try {
  const model = await modelForBench(work);
  const argv = ['compile', support, '-m', model.arg, '-f', 'onnx,tflite', '-o', join(work, 'out') + '/', '--json'];
  // One warm-up run fills the OS file cache (node_modules, wasm binaries); it is not counted.
  await timeCompile(argv, work);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const s = await timeCompile(argv, work);
    samples.push(s);
    process.stderr.write(`run ${i + 1}/${runs}: ${round(s.wallMs)} ms\n`);
  }

  const phases = Object.keys(samples[0].result.timingsMs);
  const phaseMedians = Object.fromEntries(phases.map((p) => [p, round(median(samples.map((s) => s.result.timingsMs[p])))]));
  const files = samples[0].result.files.map((f, i) => ({
    format: f.format,
    bytes: f.bytes,
    runtime: f.runtime,
    exportMs: round(median(samples.map((s) => s.result.files[i].exportMs))),
    verifyMs: round(median(samples.map((s) => s.result.files[i].verifyMs))),
  }));
  const wall = samples.map((s) => s.wallMs);
  const wallMedian = round(median(wall));
  const result = {
    benchmark: 'cli',
    what: 'cold `hypertx compile fixtures/support/glyphs-5way-1shot -f onnx,tflite --json` (both files verified), a new process per run, spawn to exit',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadAverage1m: round(os.loadavg()[0]), node: process.version, platform: `${process.platform}-${process.arch}` },
    model: model.description,
    runs,
    wallMs: { median: wallMedian, min: round(Math.min(...wall)), max: round(Math.max(...wall)), all: wall.map(round) },
    // Medians of the command's own timingsMs: startup = node start + the CLI's modules until the
    // command runs; imports = core, data, TF.js and the backend's initialisation; exportAndVerify =
    // loading the format plugins and runtimes, exporting, verifying (files below) and writing;
    // total = process start to the result; cpu = user + system CPU time of the process.
    phasesMs: phaseMedians,
    cpuMsMedian: phaseMedians.cpu ?? null,
    // Process teardown after the command returned (runtime handles, wasm): wall − total.
    exitMs: round(median(samples.map((s) => s.wallMs - s.result.timingsMs.total))),
    files,
    targetMs: TARGET_MS,
    withinTarget: wallMedian <= TARGET_MS,
  };
  await writeOutput(outputPath('cli.json', args), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  await rm(work, { recursive: true, force: true });
}
