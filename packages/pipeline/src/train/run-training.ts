/**
 * A resumable training run on Omniglot: checkpoints (full state) every `checkpointEvery` steps and on
 * interruption, validation on held-out alphabets, the best model kept by validation accuracy, and
 * curves appended to log.jsonl. Libraries never print: progress goes through `onProgress`.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  Trainer,
  assertSameConfig,
  currentBackend,
  describeBackend,
  createHyperTransformer,
  loadCheckpoint,
  modelFromState,
  createProtoNet,
  evaluate,
  preset,
  saveModel,
  validateConfig,
  type EpisodicModel,
  type HyperTransformerConfig,
} from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import type { ProgressCallback } from '../progress.js';
import { evaluationEpisodes, loadOmniglotSplit, trainingEpisodes } from './episodes.js';
import { applyOverrides, checkRecipe, type TrainingRecipe } from './recipe.js';

export const RUN_FILES = {
  recipe: 'recipe.json',
  checkpoint: 'latest.hxckpt',
  best: 'best.hxmodel',
  log: 'log.jsonl',
} as const;

export interface RunOptions {
  recipe: TrainingRecipe;
  dataDir: string | undefined;
  outDir: string;
  resume: boolean;
  seed: number;
  /** Overrides recipe.steps. */
  steps?: number;
  /** Start a new run from these weights (a .hxmodel/.hxckpt of the same config) instead of a random init. */
  init?: string;
  onProgress?: ProgressCallback;
  /** Checked between steps: once aborted, the run saves a checkpoint and returns with `stopped: true`. */
  signal?: AbortSignal;
}

export interface RunResult {
  step: number;
  stopped: boolean;
  bestValidation: { step: number; mean: number; ci95: number } | null;
  files: { checkpoint: string; best: string; log: string };
}

export function recipeConfig(recipe: TrainingRecipe): HyperTransformerConfig {
  const config = applyOverrides(preset(recipe.model.preset).config, recipe.model.overrides);
  validateConfig(config);
  return config;
}

export async function runTraining(options: RunOptions): Promise<RunResult> {
  const { outDir, recipe } = options;
  checkRecipe(recipe, `recipe "${recipe.name}"`);
  const files = {
    checkpoint: path.join(outDir, RUN_FILES.checkpoint),
    best: path.join(outDir, RUN_FILES.best),
    log: path.join(outDir, RUN_FILES.log),
  };
  await mkdir(outDir, { recursive: true });
  const recipePath = path.join(outDir, RUN_FILES.recipe);
  const resuming = options.resume && existsSync(files.checkpoint);
  if (!options.resume && existsSync(files.checkpoint)) {
    throw new HypertxError('E_RUN_EXISTS', `${outDir} already holds a training run`, {
      kind: 'usage',
      path: outDir,
      hint: 'add --resume to continue it, or choose another --checkpoint-dir',
    });
  }
  if (resuming) await assertSameRecipe(recipePath, recipe);
  else await writeFile(recipePath, JSON.stringify(recipe, null, 2) + '\n');

  const config = recipeConfig(recipe);
  const split = loadOmniglotSplit(options.dataDir, recipe);
  const height = config.image.height;
  const steps = options.steps ?? recipe.steps;
  const validation = evaluationEpisodes(split.validation, recipe.validation, height);
  const trainerOptions = {
    episodes: trainingEpisodes(split.train, recipe, height),
    seed: options.seed,
    optimizer: recipe.optimizer,
    schedule: recipe.schedule,
    ...(recipe.clipNorm !== undefined ? { clipNorm: recipe.clipNorm } : {}),
    bnMode: recipe.bnMode,
    ...(recipe.bnPrior ? { bnPrior: recipe.bnPrior } : {}),
    metadata: { recipe: recipe.name },
  };
  const trainer = resuming
    ? await Trainer.resume(files.checkpoint, trainerOptions, config)
    : new Trainer(options.init ? await initialWeights(options.init, recipe.kind, config) : createModel(recipe.kind, config, options.seed), trainerOptions);

  if (resuming) await truncateLog(files.log, trainer.step);
  let best = resuming ? await bestSoFar(files.log) : null;
  options.onProgress?.({
    type: 'train-start',
    task: 'train',
    backend: describeBackend(currentBackend()), // e.g. `webgpu on NVIDIA H200 (nvidia hopper)`: the adapter too
    step: trainer.step,
    steps,
    resumed: resuming,
    trainClasses: split.trainClasses,
    validationClasses: split.validationClasses,
    parameters: trainer.model.layout.total,
  });

  // Curves are logged as means over windows of steps, so the log stays small on long runs.
  const window = { n: 0, loss: 0, accuracy: 0, episodes: 0, ms: 0 };
  const logEvery = 50;
  let stopped = false;
  try {
    while (trainer.step < steps) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const t0 = performance.now();
      const episodes = trainerOptions.episodes(trainer.step, options.seed);
      const r = await trainer.trainStep(episodes);
      const ms = performance.now() - t0;
      Object.assign(window, { n: window.n + 1, loss: window.loss + r.loss, accuracy: window.accuracy + r.accuracy, episodes: window.episodes + episodes.length, ms: window.ms + ms });
      const step = trainer.step;
      options.onProgress?.({ type: 'train-step', task: 'train', step, steps, loss: r.loss, accuracy: r.accuracy, lr: r.lr, episodesPerSecond: (episodes.length * 1000) / ms });

      if (step % logEvery === 0 || step === steps) {
        await log(files.log, { type: 'train', step, loss: window.loss / window.n, accuracy: window.accuracy / window.n, lr: r.lr, episodesPerSecond: (window.episodes * 1000) / window.ms, time: new Date().toISOString() });
        Object.assign(window, { n: 0, loss: 0, accuracy: 0, episodes: 0, ms: 0 });
      }
      if (step % recipe.validation.every === 0 || step === steps) {
        options.onProgress?.({ type: 'validation-start', task: 'train', step, episodes: validation.length });
        const v = await evaluate(trainer.model, validation, { bnMode: 'support' });
        const isBest = !best || v.mean > best.mean;
        if (isBest) {
          best = { step, mean: v.mean, ci95: v.ci95 };
          await saveModel(files.best, trainer.model, { recipe: recipe.name, step: String(step), validation: `${v.mean.toFixed(4)}±${v.ci95.toFixed(4)}` });
        }
        await log(files.log, { type: 'validation', step, mean: v.mean, ci95: v.ci95, episodes: validation.length, best: isBest });
        options.onProgress?.({ type: 'validation', task: 'train', step, mean: v.mean, ci95: v.ci95, best: isBest });
      }
      if (step % recipe.checkpointEvery === 0 || step === steps) {
        await trainer.save(files.checkpoint);
        options.onProgress?.({ type: 'checkpoint', task: 'train', step, path: files.checkpoint });
      }
      await new Promise((resolve) => setImmediate(resolve)); // let signals and timers through
    }
    if (stopped) {
      await trainer.save(files.checkpoint);
      options.onProgress?.({ type: 'checkpoint', task: 'train', step: trainer.step, path: files.checkpoint });
    }
  } finally {
    trainer.dispose();
  }
  return { step: trainer.step, stopped, bestValidation: best, files };
}

function createModel(kind: TrainingRecipe['kind'], config: HyperTransformerConfig, seed: number): EpisodicModel {
  return kind === 'protonet' ? createProtoNet(config, seed) : createHyperTransformer(config, seed);
}

async function initialWeights(file: string, kind: TrainingRecipe['kind'], config: HyperTransformerConfig): Promise<EpisodicModel> {
  const state = await loadCheckpoint(file);
  assertSameConfig(state, config, file);
  if (state.kind !== kind) throw new HypertxError('E_RUN_INIT', `${file} holds a ${state.kind}, but the recipe trains a ${kind}`, { kind: 'input', path: file });
  return modelFromState(state);
}

async function log(file: string, entry: Record<string, unknown>): Promise<void> {
  await appendFile(file, JSON.stringify(entry) + '\n');
}

async function assertSameRecipe(recipePath: string, recipe: TrainingRecipe): Promise<void> {
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(recipePath, 'utf8'));
  } catch (err) {
    throw new HypertxError('E_RUN_RECIPE', `can't read ${recipePath} to resume the run`, { kind: 'input', path: recipePath, cause: err });
  }
  if (JSON.stringify(stored) !== JSON.stringify(recipe)) {
    throw new HypertxError('E_RUN_RECIPE', `the recipe differs from the one ${recipePath} was started with`, {
      kind: 'usage',
      path: recipePath,
      hint: 'resume with the same recipe (omit --config/--preset to reuse the stored one), or start a new --checkpoint-dir',
    });
  }
}

/** Drops log entries past the checkpoint's step: a resumed run logs those steps again. */
async function truncateLog(logPath: string, step: number): Promise<void> {
  if (!existsSync(logPath)) return;
  const lines = (await readFile(logPath, 'utf8')).split('\n').filter((l) => l.trim() && (JSON.parse(l) as { step: number }).step <= step);
  await writeFile(logPath, lines.map((l) => l + '\n').join(''));
}

/** The best validation result logged so far (after a resume). */
async function bestSoFar(logPath: string): Promise<{ step: number; mean: number; ci95: number } | null> {
  if (!existsSync(logPath)) return null;
  let best: { step: number; mean: number; ci95: number } | null = null;
  for (const line of (await readFile(logPath, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { type: string; step: number; mean: number; ci95: number };
    if (e.type === 'validation' && (!best || e.mean > best.mean)) best = { step: e.step, mean: e.mean, ci95: e.ci95 };
  }
  return best;
}
