#!/usr/bin/env node
/**
 * Benchmark: training throughput (docs/training.md, "Episodes per step" and "Using every core").
 *
 * 1. Episodes per step: episodes/s and kernel dispatches per step at 1, 8, 64 and 256 episodes
 *    per step, on each backend of --backends and each generated-conv form of --forms ('batched':
 *    im2col + one batched matMul per layer; 'per-episode': one conv per episode). The authors'
 *    20-way 1-shot preset (omniglot-1shot, 3 queries per class), one thread. Dispatches are the
 *    kernels the TF.js engine ran in one step (startDispatchCount); `passes` is how many meta-batches
 *    the step ran as (one per 5M input pixels at 8 channels, fewer when wider: passPixelBudget): dispatches are constant per pass.
 * 2. Threads: episodes/s with 1 and 2 threads (workers 0 and 1) on the authors' 20-way 1-shot
 *    preset and on our default recipe (omniglot-ht-8ch: 2–20 ways, 1–5 shots, 0–2 unlabelled,
 *    Adam, BatchNorm prior), each at every --thread-episodes count of episodes per step (8: the
 *    recipe's own) and on every backend of --backends; the speedup,
 *    and the largest parameter difference between the two runs (same episodes; float rounding).
 *    `cpuMsPerEpisode` is the process's CPU time (all threads) per episode; `cpuBoundSpeedup`,
 *    2 × one thread's over two threads' CPU per episode, is the most two free cores could give,
 *    and holds up on a busy machine where the wall-clock speedup does not.
 * 3. The machine's own ceiling (`coreScaling`, tools/core-scaling.mjs): the speedup of two threads
 *    over one on a compute-bound and a memory-bound loop, so that a speedup short of ×2 can be
 *    told apart from cores that cannot give ×2 (hyperthreads, a busy host).
 *
 * Episodes are synthetic images of the right shapes (no dataset needed), made before the clock
 * starts, so the numbers are training alone. Every measurement of section 1 follows one untimed
 * warm-up step; section 2 times --thread-steps steps after --warmup-steps untimed ones (the worker
 * threads' start, and V8 still compiling hot code on background threads: a long training run's
 * steady state is what it measures). Run on an idle machine: os.loadavg() is recorded at the start
 * and end of the run and around each measurement.
 *
 * Writes bench/out/train.json; with --record, bench/results/train.json (the committed record). A
 * section left out (--skip-threads, --skip-episodes) keeps its numbers from the file it writes (or
 * the record), with their date and machine under `carriedOver`.
 *
 * Usage: node tools/bench-train.mjs [--backends wasm,cpu] [--episodes 1,8,64,256]
 *          [--forms batched,per-episode] [--steps 3] [--thread-steps 20] [--warmup-steps 5]
 *          [--thread-episodes 8,16] [--skip-threads]
 *          [--skip-episodes] [--quick] [--record] [--out <file>]
 *   --backends   TF.js backends to measure, in order (a backend that fails to start is recorded
 *                as skipped with the reason: e.g. webgpu before it is added to @hypertx/core)
 *   --quick      5-way episodes and 1 timed step: checks that the script works, measures nothing
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { OUTPUT_OPTIONS, REPO_ROOT, outputPath, readMergeBase, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';
import { measureCoreScaling } from './core-scaling.mjs';

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    ...OUTPUT_OPTIONS,
    backends: { type: 'string', default: 'wasm,cpu' },
    episodes: { type: 'string', default: '1,8,64,256' },
    forms: { type: 'string', default: 'batched,per-episode' },
    steps: { type: 'string', default: '3' },
    'thread-steps': { type: 'string', default: '20' },
    'warmup-steps': { type: 'string', default: '5' },
    'thread-episodes': { type: 'string', default: '8,16' },
    'skip-threads': { type: 'boolean', default: false },
    'skip-episodes': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});

function list(flag, value, parse = (s) => s) {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean).map(parse);
  if (items.length === 0) fail(`--${flag} needs at least one value`);
  return items;
}
function positive(flag, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}
function fail(message) {
  process.stderr.write(`bench-train.mjs: ${message}\n`);
  process.exit(2);
}

const backends = list('backends', args.backends);
const episodeCounts = list('episodes', args.episodes, (s) => positive('episodes', s));
const forms = list('forms', args.forms);
for (const f of forms) if (f !== 'batched' && f !== 'per-episode') fail(`--forms takes batched and per-episode, got "${f}"`);
const quick = args.quick;
const steps = quick ? 1 : positive('steps', args.steps);
const threadSteps = quick ? 1 : positive('thread-steps', args['thread-steps']);
const warmupSteps = quick ? 1 : positive('warmup-steps', args['warmup-steps']);
const threadEpisodes = list('thread-episodes', args['thread-episodes'], (s) => positive('thread-episodes', s));

const core = await import('../packages/core/dist/index.js');
const { groupByShape, passesWithin, passPixelBudget } = await import('../packages/core/dist/train/gradient.js');
const { builtInRecipe, recipeConfig } = await import('../packages/pipeline/dist/index.js');
const { Trainer, createHyperTransformer, initBackend, makeSyntheticEpisode, preset, startDispatchCount, tf, defaultEpisodeConv } = core;

const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const authors = preset('omniglot-1shot');
const authorsWays = quick ? 5 : authors.training.ways;
const authorsEpisode = (seed) => makeSyntheticEpisode(authors.config, { ways: authorsWays, shots: authors.training.shots, queriesPerClass: authors.training.queriesPerClass, seed });

/** A small deterministic generator for the recipe's episode shapes (one shape per step, as the sampler draws them). */
function mulberry(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rng, count) => (Array.isArray(count) ? count[0] + Math.floor(rng() * (count[1] - count[0] + 1)) : count);

const recipe = builtInRecipe('omniglot-ht-8ch');
const recipeCfg = await recipeConfig(recipe);
function recipeStep(step, perStep = recipe.episodes.perStep) {
  const e = recipe.episodes;
  const rng = mulberry(1000 + step);
  const ways = Math.min(pick(rng, e.ways), quick ? 5 : Infinity);
  const shots = pick(rng, e.shots);
  const unlabeledPerClass = pick(rng, e.unlabeled);
  return Array.from({ length: perStep }, (_, i) => makeSyntheticEpisode(recipeCfg, { ways, shots, unlabeledPerClass, queriesPerClass: e.queries, seed: step * 100 + i }));
}

async function useBackend(name) {
  try {
    await initBackend(name);
    return null;
  } catch (err) {
    return err.message;
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Section 1: one thread, T episodes per step, dispatches and episodes/s. */
async function episodesPerStep(backend, form, T) {
  const episodes = Array.from({ length: T }, (_, i) => authorsEpisode(i));
  const trainer = new Trainer(createHyperTransformer(authors.config, 1), { episodes: () => episodes, episodeConv: form, optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: 1e-3 } });
  const loadBefore = load();
  try {
    await trainer.trainStep(episodes); // warm-up: kernel caches, wasm heap growth
    const counter = startDispatchCount();
    const times = [];
    let dispatches = null;
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await trainer.trainStep(episodes);
      times.push(performance.now() - t0);
      if (s === 0) dispatches = counter.stop();
    }
    const stepMs = median(times);
    const passes = groupByShape(episodes).flatMap((g) => passesWithin(g, passPixelBudget(authors.config))).length;
    return { backend, form, episodesPerStep: T, passes, dispatchesPerStep: dispatches.total, dispatchesPerPass: Math.round(dispatches.total / passes), stepMs: Math.round(stepMs), episodesPerSecond: round((T * 1000) / stepMs), loadBefore, loadAfter: load() };
  } finally {
    trainer.model.dispose();
    await trainer.close();
  }
}

/** Section 2: the same steps with `workers` extra threads; returns episodes/s and the final parameters. */
async function threaded(setup, workers) {
  const stepsTotal = warmupSteps + threadSteps;
  const prepared = Array.from({ length: stepsTotal }, (_, s) => setup.step(s));
  const options = { episodes: (step) => prepared[step] ?? setup.step(step), seed: 1, workers, ...setup.trainer };
  const trainer = new Trainer(createHyperTransformer(setup.config, 2), options);
  const loadBefore = load();
  try {
    // Warm-up: worker start, the BatchNorm prior estimate, and V8's optimising compilers, which
    // keep compiling (on background threads) through the first few steps of every thread.
    for (let s = 0; s < warmupSteps; s++) await trainer.trainStep(prepared[s]);
    let episodes = 0;
    const cpu0 = process.cpuUsage(); // all threads of the process
    const t0 = performance.now();
    for (let s = warmupSteps; s < stepsTotal; s++) {
      await trainer.trainStep(prepared[s]);
      episodes += prepared[s].length;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return { threads: workers + 1, episodesPerSecond: round((episodes * 1000) / ms), stepMs: Math.round(ms / threadSteps), cpuMsPerEpisode: round(cpuMs / episodes), loadBefore, loadAfter: load(), params: trainer.model.values() };
  } finally {
    trainer.model.dispose();
    await trainer.close();
  }
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Each setup at each --thread-episodes count: a step's fixed cost (kernel dispatches, the engine's
// bookkeeping) is paid once per thread, so the speedup grows with the episodes each thread gets.
const setups = threadEpisodes.flatMap((T) => [
  {
    name: `authors ${authorsWays}-way ${authors.training.shots}-shot (omniglot-1shot), ${T} episodes per step, SGD`,
    episodesPerStep: T,
    config: authors.config,
    step: (s) => Array.from({ length: T }, (_, i) => authorsEpisode(s * 100 + i)),
    trainer: { optimizer: { name: 'sgd' }, schedule: { kind: 'constant', lr: authors.training.learningRate } },
  },
  {
    name: `default recipe ${recipe.name}${quick ? ' (ways capped at 5)' : ''}, ${T} episodes per step${T === recipe.episodes.perStep ? ' (its own)' : ''}`,
    episodesPerStep: T,
    config: recipeCfg,
    step: (s) => recipeStep(s, T),
    trainer: { optimizer: recipe.optimizer, schedule: recipe.schedule, clipNorm: recipe.clipNorm, bnMode: recipe.bnMode, bnPrior: recipe.bnPrior },
  },
]);

let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
} catch {
  commit = null;
}
const result = {
  bench: 'train',
  date: new Date().toISOString(),
  commit,
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? null,
  quick,
  loadAverageStart: load(),
  note: 'load averages are 1, 5 and 15 minute means; measure on an idle machine (no training or tests beside the bench)',
  skippedBackends: [],
  episodesPerStep: [],
  threads: [],
  coreScaling: null,
  loadAverageEnd: null,
};
if (!args['skip-threads']) {
  result.coreScaling = await measureCoreScaling();
  process.stderr.write(`two threads on plain loops: compute ×${result.coreScaling.compute.speedup}, memory ×${result.coreScaling.memory.speedup}\n`);
}

for (const backend of backends) {
  const why = await useBackend(backend);
  if (why) {
    result.skippedBackends.push({ backend, reason: why });
    process.stderr.write(`${backend}: skipped (${why})\n`);
    continue;
  }
  if (!args['skip-episodes']) {
    for (const form of forms) {
      for (const T of episodeCounts) {
        const r = await episodesPerStep(backend, form, T);
        result.episodesPerStep.push(r);
        process.stderr.write(`${backend} ${form} ${T} episodes/step: ${r.dispatchesPerStep} dispatches (${r.passes} pass${r.passes > 1 ? 'es' : ''}), ${r.episodesPerSecond} episodes/s\n`);
      }
    }
  }
  if (!args['skip-threads']) {
    for (const setup of setups) {
      const one = await threaded(setup, 0);
      const two = await threaded(setup, 1);
      const entry = {
        backend,
        episodeConv: defaultEpisodeConv(tf.getBackend()),
        setup: setup.name,
        episodesPerStep: setup.episodesPerStep,
        oneThread: { episodesPerSecond: one.episodesPerSecond, stepMs: one.stepMs, cpuMsPerEpisode: one.cpuMsPerEpisode, loadBefore: one.loadBefore, loadAfter: one.loadAfter },
        twoThreads: { episodesPerSecond: two.episodesPerSecond, stepMs: two.stepMs, cpuMsPerEpisode: two.cpuMsPerEpisode, loadBefore: two.loadBefore, loadAfter: two.loadAfter },
        speedup: round(two.episodesPerSecond / one.episodesPerSecond),
        // What two free cores could give at most: twice the work per CPU-second, less the extra CPU
        // two threads spend per episode (robust to other load; ignores the main thread's serial part).
        cpuBoundSpeedup: round((2 * one.cpuMsPerEpisode) / two.cpuMsPerEpisode),
        maxAbsParamDiff: maxAbsDiff(one.params, two.params),
      };
      result.threads.push(entry);
      process.stderr.write(`${backend} ${setup.name}: 1 thread ${one.episodesPerSecond}, 2 threads ${two.episodesPerSecond} episodes/s (×${entry.speedup}, CPU-bound ×${entry.cpuBoundSpeedup}; max |Δparam| ${entry.maxAbsParamDiff.toExponential(1)})\n`);
    }
  }
}
result.loadAverageEnd = load();
const file = outputPath('train.json', args);
// A section skipped now keeps its last measurement (from the file being written, else the record),
// marked with when and where it was taken, so re-measuring one section does not erase the other.
const base = await readMergeBase(file, 'train.json');
const keep = (section) => {
  if (!base?.[section]?.length) return;
  result[section] = base[section];
  result.carriedOver = { ...(result.carriedOver ?? {}), [section]: base.carriedOver?.[section] ?? { date: base.date, commit: base.commit, cpuModel: base.cpuModel, loadAverageStart: base.loadAverageStart } };
};
if (args['skip-episodes']) keep('episodesPerStep');
if (args['skip-threads']) keep('threads');
await writeOutput(file, JSON.stringify(result, null, 2) + '\n');
