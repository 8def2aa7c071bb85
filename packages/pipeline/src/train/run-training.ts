/**
 * A resumable training run on Omniglot: checkpoints (full state) every `checkpointEvery` steps and on
 * interruption, validation on held-out alphabets, the best model kept by validation accuracy, and
 * curves appended to log.jsonl. Libraries never print: progress goes through `onProgress`.
 */
import { mkdir } from 'node:fs/promises';
import { existsSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import {
  Trainer,
  assertSameConfig,
  withTeacherLogits,
  currentBackend,
  describeBackend,
  createHyperTransformer,
  loadCheckpoint,
  modelFromState,
  createProtoNet,
  evaluate,
  saveModel,
  type EpisodicModel,
  type HyperTransformerConfig,
} from '@hypertx/core';
import { HypertxError, readInputFile, writeFileAtomic } from '@hypertx/export';
import type { ProgressCallback } from '../progress.js';
import type { Episode } from '@hypertx/data';
import { evaluationEpisodes, loadOmniglotSplit, trainingEpisodes, type OmniglotSplit } from './episodes.js';
import type { TrainingRecipe } from './recipe.js';
import { recipeModelConfig } from './recipe-model.js';
import { recipeSchemaUrl } from './recipe-schema.js';
import { validateRecipe, type RecipeOrigin } from './recipe-validation.js';
import { appendRunLog, bestValidation, readRunLog, resumeRunLog } from './run-log.js';
import { removeDeadRunTemporaries } from './run-temporaries.js';

import type { Teacher } from './teacher-file.js';

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
  /** Threads per step (main + workers; default 1). */
  threads?: number;
  /** Checked between steps: once aborted, the run saves a checkpoint and returns with `stopped: true`. */
  signal?: AbortSignal;
}

export interface RunResult {
  /** The step the run ended at. */
  step: number;
  /** The step it started (or resumed) from: equal to `step` when there was nothing to train. */
  startStep: number;
  stopped: boolean;
  bestValidation: { step: number; mean: number; ci95: number } | null;
  files: { checkpoint: string; best: string; log: string };
}

/** The model config a recipe trains (its preset with the recipe's overrides), checked. */
export function recipeConfig(recipe: TrainingRecipe, origin: RecipeOrigin = { where: `recipe "${recipe.name}"` }): HyperTransformerConfig {
  return recipeModelConfig(recipe, origin);
}

/** Runs a recipe that `validateRecipe` accepted. */
export async function runTraining(options: RunOptions): Promise<RunResult> {
  const { outDir, recipe } = options;
  const files = {
    checkpoint: path.join(outDir, RUN_FILES.checkpoint),
    best: path.join(outDir, RUN_FILES.best),
    log: path.join(outDir, RUN_FILES.log),
  };
  const recipePath = path.join(outDir, RUN_FILES.recipe);
  assertRunFolder(outDir);
  const resuming = options.resume && existsSync(files.checkpoint);
  if (!options.resume && existsSync(files.checkpoint)) {
    throw new HypertxError('E_RUN_EXISTS', `${outDir} already holds a training run`, {
      kind: 'usage',
      path: outDir,
      hint: 'add --resume to continue it, or choose another --checkpoint-dir',
    });
  }
  if (resuming) await assertSameRecipe(recipePath, recipe);

  // Everything that can fail on the inputs happens before the run writes its first file.
  const config = recipeConfig(recipe);
  const split = loadOmniglotSplit(options.dataDir, recipe);
  if (split.train.channels !== config.image.channels) {
    throw new HypertxError('E_RECIPE', `recipe "${recipe.name}": the model takes ${config.image.channels}-channel images but ${options.dataDir} has ${split.train.channels}-channel ones`, {
      kind: 'input',
      hint: 'set model.overrides.image.channels to the data\'s (Omniglot is greyscale: 1), or use a preset made for it',
    });
  }
  const height = config.image.height;
  const steps = options.steps ?? recipe.steps;
  const teacher = recipe.distill ? await loadRunTeacher(recipe, split.train.channels) : null;
  try {
    if (resuming && teacher) await assertSameTeacher(files.checkpoint, teacher);
    const validation = evaluationEpisodes(split.validation, recipe.validation, height);
    const { trainer, episodeSource } = await startTrainer(options, { config, split, teacher, resuming, checkpoint: files.checkpoint });
    try {
      return await trainFrom(trainer, { ...options, files, recipePath, resuming, steps, validation, trainingEpisodes: episodeSource, split, teacher });
    } finally {
      trainer.dispose();
    }
  } finally {
    teacher?.model.dispose();
  }
}

/** The trainer of a run: resumed from its checkpoint, or new from `--init` weights or a random start. */
async function startTrainer(
  options: RunOptions,
  run: { config: HyperTransformerConfig; split: OmniglotSplit; teacher: Teacher | null; resuming: boolean; checkpoint: string },
): Promise<{ trainer: Trainer; episodeSource: (step: number, seed: number) => Episode[] }> {
  const { recipe } = options;
  const { config, split, teacher } = run;
  const height = config.image.height;
  const trainerOptions = {
    episodes: trainingEpisodes(split.train, recipe, height),
    seed: options.seed,
    optimizer: recipe.optimizer,
    schedule: recipe.schedule,
    ...(recipe.clipNorm !== undefined ? { clipNorm: recipe.clipNorm } : {}),
    bnMode: recipe.bnMode,
    ...(recipe.bnPrior ? { bnPrior: recipe.bnPrior } : {}),
    ...(recipe.distill ? { distillation: { weight: recipe.distill.weight, temperature: recipe.distill.temperature } } : {}),
    metadata: runMetadata(recipe, split, teacher),
    workers: (options.threads ?? 1) - 1,
  };
  const trainer = run.resuming
    ? await Trainer.resume(run.checkpoint, trainerOptions, config)
    : new Trainer(options.init ? await initialWeights(options.init, recipe.kind, config) : createModel(recipe.kind, config, options.seed), trainerOptions);
  return { trainer, episodeSource: trainerOptions.episodes };
}

/** What a run's checkpoints and best model record about it besides the weights (strings only). */
function runMetadata(recipe: TrainingRecipe, split: OmniglotSplit, teacher: Teacher | null): Record<string, string> {
  return {
    recipe: recipe.name,
    split: split.alphabets.rule,
    ...(teacher ? { teacher: teacher.file, teacherSha256: teacher.sha256 } : {}),
  };
}

async function loadRunTeacher(recipe: TrainingRecipe, channels: number): Promise<Teacher> {
  const { loadTeacher } = await import('./teacher-file.js');
  const ways = recipe.episodes.ways;
  return loadTeacher((recipe.distill as NonNullable<TrainingRecipe['distill']>).teacher, { ways: Array.isArray(ways) ? ways[1] : ways, channels });
}

/** A resumed run must learn from the teacher it started with: the file's bytes are compared by SHA-256. */
async function assertSameTeacher(checkpoint: string, teacher: Teacher): Promise<void> {
  const recorded = (await loadCheckpoint(checkpoint)).metadata?.['teacherSha256'];
  if (recorded !== undefined && recorded !== teacher.sha256) {
    throw new HypertxError('E_DISTILL_TEACHER', `distill.teacher ${teacher.file} is not the teacher this run started with (SHA-256 ${teacher.sha256.slice(0, 16)}…, the checkpoint records ${recorded.slice(0, 16)}…)`, {
      kind: 'input',
      path: teacher.file,
      hint: 'resume with the original teacher file, or start a new --checkpoint-dir',
    });
  }
}

interface RunState extends RunOptions {
  files: RunResult['files'];
  recipePath: string;
  resuming: boolean;
  steps: number;
  validation: Episode[];
  trainingEpisodes: (step: number, seed: number) => Episode[];
  split: OmniglotSplit;
  teacher: Teacher | null;
}

/** The run proper, once its inputs are read and the trainer is ready. */
async function trainFrom(trainer: Trainer, run: RunState): Promise<RunResult> {
  const { files, recipe, steps, validation, split, resuming, onProgress, signal, seed, teacher, trainingEpisodes: episodesOf } = run;
  const startStep = trainer.step;
  if (startStep >= steps) {
    // A resumed run already there: nothing to train, nothing written, the checkpoint left as it was.
    return { step: startStep, startStep, stopped: false, bestValidation: bestValidation(await readRunLog(files.log)), files };
  }

  for (const left of removeDeadRunTemporaries(run.outDir, Object.values(RUN_FILES))) {
    onProgress?.({ type: 'stage', task: 'train', message: `removed ${left}, a file an earlier run was writing when it was killed` });
  }
  let best: { step: number; mean: number; ci95: number } | null = null;
  if (resuming) {
    const log = await resumeRunLog(files.log, startStep);
    if (log.tornLastLine) {
      onProgress?.({ type: 'stage', task: 'train', message: `${files.log} ended in a half-written line (the run was killed while logging); removed it` });
    }
    best = bestValidation(log);
  } else {
    await mkdir(run.outDir, { recursive: true });
    // A folder whose earlier run never reached a checkpoint starts over: its curves go with it.
    if (existsSync(files.log)) await writeFileAtomic(files.log, new Uint8Array());
    await writeFileAtomic(run.recipePath, new TextEncoder().encode(JSON.stringify({ $schema: recipeSchemaUrl(), ...withoutSchema(recipe) }, null, 2) + '\n'));
  }
  const teacherInfo = teacher && recipe.distill ? { file: teacher.file, sha256: teacher.sha256, description: teacher.description, weight: recipe.distill.weight, temperature: recipe.distill.temperature } : null;
  const alphabets = { train: split.alphabets.trainAlphabets, validation: split.alphabets.validationAlphabets, rule: split.alphabets.rule };
  // Every start and resume says what it trains on and from which teacher (the file's hash).
  await appendRunLog(files.log, { type: 'start', step: startStep, resumed: resuming, alphabets, ...(teacherInfo ? { teacher: teacherInfo } : {}) });
  onProgress?.({
    type: 'train-start',
    task: 'train',
    backend: describeBackend(currentBackend()), // e.g. `webgpu on NVIDIA H200 (nvidia hopper)`: the adapter too
    threads: run.threads ?? 1,
    step: startStep,
    steps,
    resumed: resuming,
    trainClasses: split.trainClasses,
    validationClasses: split.validationClasses,
    parameters: trainer.model.layout.total,
    alphabets,
    teacher: teacherInfo,
  });

  // Curves are logged as means over windows of steps, so the log stays small on long runs.
  const window = { n: 0, loss: 0, distillLoss: 0, accuracy: 0, episodes: 0, ms: 0 };
  const logEvery = 50;
  let stopped = false;
  while (trainer.step < steps) {
    if (signal?.aborted) {
      stopped = true;
      break;
    }
    const t0 = performance.now();
    const sampled = episodesOf(trainer.step, seed);
    // The teacher labels each step's episodes here, on the main thread: worker threads need none.
    const episodes = teacher ? await withTeacherLogits(teacher.model, sampled) : sampled;
    const r = await trainer.trainStep(episodes);
    const ms = performance.now() - t0;
    Object.assign(window, { n: window.n + 1, loss: window.loss + r.loss, distillLoss: window.distillLoss + (r.distillLoss ?? 0), accuracy: window.accuracy + r.accuracy, episodes: window.episodes + episodes.length, ms: window.ms + ms });
    const step = trainer.step;
    onProgress?.({ type: 'train-step', task: 'train', step, steps, loss: r.loss, accuracy: r.accuracy, lr: r.lr, episodesPerSecond: (episodes.length * 1000) / ms });

    if (step % logEvery === 0 || step === steps) {
      const distill = teacher ? { distillLoss: window.distillLoss / window.n } : {};
      await appendRunLog(files.log, { type: 'train', step, loss: window.loss / window.n, ...distill, accuracy: window.accuracy / window.n, lr: r.lr, episodesPerSecond: (window.episodes * 1000) / window.ms, time: new Date().toISOString() });
      Object.assign(window, { n: 0, loss: 0, distillLoss: 0, accuracy: 0, episodes: 0, ms: 0 });
    }
    if (step % recipe.validation.every === 0 || step === steps) {
      onProgress?.({ type: 'validation-start', task: 'train', step, episodes: validation.length });
      const v = await evaluate(trainer.model, validation, { bnMode: 'support' });
      const isBest = !best || v.mean > best.mean;
      if (isBest) {
        best = { step, mean: v.mean, ci95: v.ci95 };
        await saveModel(files.best, trainer.model, { ...runMetadata(recipe, split, teacher), step: String(step), validation: `${v.mean.toFixed(4)}±${v.ci95.toFixed(4)}` });
      }
      await appendRunLog(files.log, { type: 'validation', step, mean: v.mean, ci95: v.ci95, episodes: validation.length, best: isBest });
      onProgress?.({ type: 'validation', task: 'train', step, mean: v.mean, ci95: v.ci95, best: isBest });
    }
    if (step % recipe.checkpointEvery === 0 || step === steps) {
      await trainer.save(files.checkpoint);
      onProgress?.({ type: 'checkpoint', task: 'train', step, path: files.checkpoint });
    }
    await new Promise((resolve) => setImmediate(resolve)); // let signals and timers through
  }
  if (stopped) {
    await trainer.save(files.checkpoint);
    onProgress?.({ type: 'checkpoint', task: 'train', step: trainer.step, path: files.checkpoint });
  }
  return { step: trainer.step, startStep, stopped, bestValidation: best, files };
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

/** The checkpoint folder must be a folder (or not exist yet: it is made when the run writes its first file). */
function assertRunFolder(dir: string): void {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new HypertxError('E_RUN_DIR', `can't use ${dir} as the checkpoint folder: ${(err as Error).message}`, { kind: 'input', path: dir, cause: err });
  }
  if (!stats.isDirectory()) {
    throw new HypertxError('E_RUN_DIR', `the checkpoint folder ${dir} is a file, not a folder`, {
      kind: 'input',
      path: dir,
      hint: 'choose another --checkpoint-dir (a new or existing folder)',
    });
  }
}

/** A resumed run must train the recipe it started with (the stored copy is validated first). */
async function assertSameRecipe(recipePath: string, recipe: TrainingRecipe): Promise<void> {
  let stored: unknown;
  const text = (await readInputFile(recipePath, 'recipe', { codes: { notFound: 'E_RUN_RECIPE', read: 'E_RUN_RECIPE' } })).toString('utf8');
  try {
    stored = JSON.parse(text);
  } catch (err) {
    throw new HypertxError('E_RUN_RECIPE', `can't read ${recipePath} to resume the run: ${(err as Error).message}`, { kind: 'input', path: recipePath, cause: err });
  }
  validateRecipe(stored, { where: recipePath, file: recipePath });
  if (JSON.stringify(withoutSchema(stored)) !== JSON.stringify(withoutSchema(recipe))) {
    throw new HypertxError('E_RUN_RECIPE', `the recipe differs from the one ${recipePath} was started with`, {
      kind: 'usage',
      path: recipePath,
      hint: 'resume with the same recipe (omit --config/--preset to reuse the stored one), or start a new --checkpoint-dir',
    });
  }
}

/** The recipe without its `$schema` (an editor's pointer, not part of what the run trains). */
function withoutSchema(recipe: TrainingRecipe): TrainingRecipe {
  const { $schema: _, ...rest } = recipe;
  return rest;
}
