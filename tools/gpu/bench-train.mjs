#!/usr/bin/env node
/**
 * Training throughput on one backend: episodes/s of the authors' omniglot-1shot preset (20-way,
 * 1 shot, 3 queries per class, 28×28) at growing episodes per step, within a time budget.
 *
 *   node tools/gpu/bench-train.mjs [--backend webgpu] [--seconds 240] [--max-episodes 1024] [--out FILE]
 *
 * Run from a checkout with built packages, or from the folder tools/gpu/pack.mjs unpacks (the
 * same layout). Writes JSON: the adapter, and per episodes-per-step T the median episodes/s over
 * timed steps (after 2 warm-up steps that compile the GPU pipelines), or the error that stopped it.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Trainer, createHyperTransformer, describeBackend, initBackend, makeSyntheticEpisode, preset, tf } from '../../packages/core/dist/index.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    seconds: { type: 'string', default: '240' },
    'max-episodes': { type: 'string', default: '1024' },
    out: { type: 'string' },
  },
});
const budgetMs = Number(args.seconds) * 1000;
const maxEpisodes = Number(args['max-episodes']);
const started = performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const info = await initBackend(args.backend);
const { config, training } = preset('omniglot-1shot');
const episodes = (T, seed) =>
  Array.from({ length: T }, (_, i) => makeSyntheticEpisode(config, { ways: training.ways, shots: training.shots, queriesPerClass: training.queriesPerClass, seed: seed * 1e6 + i }));

async function rate(T) {
  // Two fixed batches, alternated: this measures the training step, not the episode sampler.
  const batches = [episodes(T, 1), episodes(T, 2)];
  const trainer = new Trainer(createHyperTransformer(config, 1), {
    episodes: (s) => batches[s % 2],
    optimizer: { name: 'sgd' },
    schedule: { kind: 'exponential', lr: training.learningRate, decayRate: training.decayRate, decaySteps: training.decaySteps },
  });
  try {
    const w0 = performance.now();
    for (let i = 0; i < 2; i++) await trainer.trainStep(batches[i % 2]);
    const warmupMs = performance.now() - w0;
    const rates = [];
    const losses = [];
    const t0 = performance.now();
    // At least 3 timed steps, then until 5 s or 20 steps.
    while (rates.length < 3 || (performance.now() - t0 < 5000 && rates.length < 20)) {
      const s0 = performance.now();
      const r = await trainer.trainStep(batches[rates.length % 2]);
      rates.push((T * 1000) / (performance.now() - s0));
      losses.push(r.loss);
    }
    return { episodesPerStep: T, steps: rates.length, warmupMs: Math.round(warmupMs), medianEpisodesPerSecond: Number(median(rates).toPrecision(3)), medianStepMs: Math.round(median(rates.map((r) => (T * 1000) / r))), firstLoss: losses[0], lastLoss: losses.at(-1), tensors: tf.memory().numTensors };
  } finally {
    trainer.model.dispose();
    await trainer.close();
  }
}

const points = [];
// Written after every point, so a run stopped by a time limit still leaves what it measured.
async function writeReport(done) {
  const best = points.reduce((b, p) => Math.max(b, p.medianEpisodesPerSecond ?? 0), 0);
  const report = {
    benchmark: 'training episodes/s, omniglot-1shot (20-way 1-shot, 3 queries per class)',
    date: new Date().toISOString(),
    backend: describeBackend(info),
    adapter: info.adapter ?? null,
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
    points,
    bestEpisodesPerSecond: best,
    target: 1000,
    complete: done,
    wallSeconds: Math.round((performance.now() - started) / 1000),
  };
  const json = JSON.stringify(report, null, 2);
  if (args.out) await writeFile(args.out, json + '\n');
  return json;
}

await writeReport(false);
for (let T = 1; T <= maxEpisodes; T *= 4) {
  if (performance.now() - started > budgetMs) {
    points.push({ episodesPerStep: T, skipped: 'time budget spent' });
    break;
  }
  console.error(`T=${T}: warming up (the first step compiles the GPU pipelines)`);
  try {
    const p = await rate(T);
    points.push(p);
    await writeReport(false);
    console.error(`T=${T}: ${p.medianEpisodesPerSecond} episodes/s (warm-up ${p.warmupMs} ms)`);
  } catch (err) {
    points.push({ episodesPerStep: T, error: String(err?.message ?? err).slice(0, 500) });
    console.error(`T=${T}: ${err?.message ?? err}`);
    break;
  }
}
console.log(await writeReport(true));
