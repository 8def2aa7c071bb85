#!/usr/bin/env node
/**
 * Benchmark of @hypertx/core on this machine: training episodes/s (omniglot-1shot: 20-way, 1 shot,
 * 3 queries, 8 channels) at several episodes-per-step, generation latency from a loaded model, peak
 * memory, and a kernel profile.
 *
 *   npm run bench:core [-- --record | -- --out <file>]      (node packages/core/bench/conv.mjs after a build)
 *
 * Writes bench/out/core.json (not committed); --record writes bench/results/core.json, the record
 * the core README quotes. HYPERTX_BACKEND picks the backend (default wasm).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import {
  Trainer, createHyperTransformer, generate, initBackend, loadModel, makeSyntheticEpisode, preset, saveModel, tf,
} from '../dist/index.js';
// Internals measured here (the two forms of the generated convs): a package's own bench may import them.
import { OUTPUT_OPTIONS, outputPath, writeOutput } from '../../../tools/bench-output.mjs';
import { parseToolArgs } from '../../../tools/tool-args.mjs';
import { episodeConv2d, episodeConv2dIm2col } from '../dist/ops/conv.js';
import { maxPool } from '../dist/ops/pool.js';

const { values: args } = parseToolArgs(import.meta.url, { options: OUTPUT_OPTIONS });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
let peakRss = 0;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };

const backend = await initBackend(process.env.HYPERTX_BACKEND ?? 'wasm');
const { config, training } = preset('omniglot-1shot');
const episodesFor = (T) => (step, seed) => Array.from({ length: T }, (_, i) =>
  makeSyntheticEpisode(config, { ways: training.ways, shots: training.shots, queriesPerClass: training.queriesPerClass, seed: seed * 1e6 + step * 100 + i }));

async function trainingRate(T, runs, stepsPerRun, workers = 0) {
  const model = createHyperTransformer(config, 1);
  const source = episodesFor(T);
  // Episodes are made outside the timed region: this measures the model step, not the sampler.
  const batches = Array.from({ length: 2 + runs * stepsPerRun }, (_, s) => source(s, 1));
  const trainer = new Trainer(model, { episodes: (s) => batches[s], workers, optimizer: { name: 'sgd' }, schedule: { kind: 'exponential', lr: training.learningRate, decayRate: training.decayRate, decaySteps: training.decaySteps } });
  for (let i = 0; i < 2; i++) await trainer.trainStep(batches[i]);
  const rates = [];
  const cpuRates = [];
  let s = 2;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let k = 0; k < stepsPerRun; k++) await trainer.trainStep(batches[s++]);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    rates.push((T * stepsPerRun * 1000) / ms);
    cpuRates.push((T * stepsPerRun * 1000) / ((c.user + c.system) / 1000));
    sampleRss();
  }
  const tensorsAfter = tf.memory().numTensors;
  let profile = null;
  if (T === 8 && workers === 0) {
    const p = await tf.profile(async () => { await trainer.trainStep(batches[0]); });
    const byKernel = new Map();
    for (const k of p.kernels) {
      if (k.name === 'forward') continue; // custom-gradient wrappers: their inner kernels are listed on their own
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls += 1;
      byKernel.set(k.name, e);
    }
    const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
    profile = {
      kernelCalls: p.kernels.length,
      kernelMsTotal: +total.toFixed(1),
      peakBytes: p.peakBytes,
      topKernels: [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([name, v]) => ({ name, ms: +v.ms.toFixed(1), calls: v.calls, share: +(v.ms / total).toFixed(3) })),
    };
  }
  await trainer.close();
  model.dispose();
  return {
    episodesPerStep: T,
    threads: workers + 1,
    runs: rates.map((r) => +r.toFixed(2)),
    medianEpisodesPerSecond: +median(rates).toFixed(2),
    // episodes per CPU-second (all threads): what the code achieves per core, independent of other load
    medianEpisodesPerCpuSecond: +median(cpuRates).toFixed(2),
    stepsPerRun,
    tensorsAfter,
    profile,
  };
}

async function generationLatency(model, ways, repeats) {
  const ep = makeSyntheticEpisode(config, { ways, shots: 1, queriesPerClass: 1, seed: 42 });
  generate(model, ep.support, ep.supportLabels);
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    generate(model, ep.support, ep.supportLabels);
    times.push(performance.now() - t0);
  }
  sampleRss();
  return { ways, shots: 1, repeats, medianMs: +median(times).toFixed(2), minMs: +Math.min(...times).toFixed(2) };
}

const loadBefore = os.loadavg();
const results = {};
for (const [T, runs, steps, workers] of [[1, 5, 4, 0], [8, 5, 2, 0], [16, 3, 1, 0], [16, 3, 1, 1]]) {
  const key = `T${T}${workers ? `-threads${workers + 1}` : ''}`;
  results[key] = await trainingRate(T, runs, steps, workers);
  console.error(`training ${key}: ${results[key].medianEpisodesPerSecond} episodes/s (${results[key].medianEpisodesPerCpuSecond} per CPU-second)`);
}
// The generated convs of one block for T = 8 episodes (forward + backward): the design
// document's im2col + batched matMul vs one XNNPACK conv per episode (what the model runs).
function convForms() {
  const out = {};
  for (const [name, x, w, needInputGrad] of [
    ['block1 640x28x28x1 -> 8', tf.randomNormal([640, 28, 28, 1]), tf.randomNormal([8, 3, 3, 1, 8]), false],
    ['block2 640x14x14x8 -> 8', tf.randomNormal([640, 14, 14, 8]), tf.randomNormal([8, 3, 3, 8, 8]), true],
  ]) {
    const variants = {
      im2colBatchedMatMul: (a, b) => maxPool(episodeConv2dIm2col(a, b, 'same'), 2),
      perEpisodeConv: (a, b) => maxPool(episodeConv2d(a, b, 1, 'same', needInputGrad), 2),
    };
    out[name] = {};
    for (const [variant, f] of Object.entries(variants)) {
      const run = () => tf.tidy(() => { const [gx, gw] = tf.grads((a, b) => tf.sum(f(a, b)))([x, w]); gx.dataSync(); gw.dataSync(); });
      run();
      const times = [];
      for (let i = 0; i < 5; i++) { const c0 = process.cpuUsage(); run(); const c = process.cpuUsage(c0); times.push((c.user + c.system) / 1000); }
      out[name][variant] = { medianCpuMs: +median(times).toFixed(1) };
    }
    tf.dispose([x, w]);
  }
  return out;
}
const convFormResults = convForms();
console.error(`conv forms: ${JSON.stringify(convFormResults)}`);

const dir = await mkdtemp(join(os.tmpdir(), 'hypertx-bench-'));
await saveModel(join(dir, 'model.ckpt'), createHyperTransformer(config, 1));
const loaded = await loadModel(join(dir, 'model.ckpt'));
const generation = [await generationLatency(loaded, 5, 30), await generationLatency(loaded, 20, 30)];
console.error(`generation: ${generation.map((g) => `${g.ways}-way ${g.medianMs} ms`).join(', ')}`);
await rm(dir, { recursive: true, force: true });

const best = Object.values(results).reduce((a, b) => (b.medianEpisodesPerSecond > a.medianEpisodesPerSecond ? b : a));
const out = {
  benchmark: 'core',
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, loadAverageBefore: loadBefore.map((v) => +v.toFixed(2)), loadAverageAfter: os.loadavg().map((v) => +v.toFixed(2)) },
  backend: backend.tfBackend,
  preset: 'omniglot-1shot',
  episode: { ways: training.ways, shots: training.shots, queriesPerClass: training.queriesPerClass, channels: config.cnn.channels },
  training: results,
  bestTraining: { episodesPerStep: best.episodesPerStep, episodesPerSecond: best.medianEpisodesPerSecond, target: 30, met: best.medianEpisodesPerSecond >= 30 },
  generatedConvForms: { note: 'CPU ms per forward+backward of one block (conv + 2x2 max pool), T = 8 episodes', ...convFormResults },
  generation: { fromLoadedModel: true, results: generation, targetMs20Way: 10, met: generation[1].medianMs <= 10 },
  memory: { peakRssMB: +(peakRss / 2 ** 20).toFixed(1), tfMemory: tf.memory() },
};
await writeOutput(outputPath('core.json', args), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify({ bestTraining: out.bestTraining, generation: out.generation.results.map((g) => [g.ways, g.medianMs]) }));
