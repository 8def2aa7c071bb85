/**
 * train: a resumable training run of a HyperTransformer or ProtoNet from a recipe (see recipe.ts),
 * and how a recipe is found: a built-in name, a JSON file, or the one stored beside a run's
 * checkpoints when it resumes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackendChoice, HyperTransformerConfig } from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import type { ProgressCallback } from '../progress.js';
import { builtInRecipe, BUILT_IN_RECIPES, type TrainingRecipe } from './recipe.js';
import type { RunResult } from './run-training.js';

export interface TrainOptions {
  /** A recipe object, or the name of a built-in one (`omniglot-ht-8ch`, ...). */
  recipe: TrainingRecipe | string;
  /** A packed Omniglot folder (index.json + images). */
  data: string;
  /** Where checkpoints, the best model and the training log go. */
  checkpointDir: string;
  /** Continue from the latest checkpoint in `checkpointDir` (the recipe must be the one the run started with). */
  resume?: boolean;
  /** Overrides the recipe's step count. */
  steps?: number;
  /** Start a new run from these weights (.hxmodel/.hxckpt of the same config) instead of a random init. */
  init?: string;
  seed?: number;
  backend?: BackendChoice;
  /** Once aborted, the run saves a checkpoint after the current step and resolves with `stopped: true`. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export type TrainResult = RunResult;

export async function train(options: TrainOptions): Promise<TrainResult> {
  const recipe = typeof options.recipe === 'string' ? builtInRecipe(options.recipe) : options.recipe;
  if (options.steps !== undefined && !(Number.isInteger(options.steps) && options.steps >= 1)) {
    throw new HypertxError('E_USAGE', `steps must be a whole number ≥ 1, got ${options.steps}`, { kind: 'usage' });
  }
  const core = await import('@hypertx/core');
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto', { training: true });
  const { runTraining } = await import('./run-training.js');
  return runTraining({
    recipe,
    dataDir: options.data,
    outDir: options.checkpointDir,
    resume: options.resume === true,
    seed: options.seed ?? 0,
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    ...(options.init !== undefined ? { init: options.init } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** The model config a recipe trains (its preset with the recipe's overrides, validated). Async: core loads on first use. */
export async function recipeConfig(recipe: TrainingRecipe | string): Promise<HyperTransformerConfig> {
  const { recipeConfig: configOf } = await import('./run-training.js');
  return configOf(typeof recipe === 'string' ? builtInRecipe(recipe) : recipe);
}

/**
 * The recipe a command names: a JSON file (`config`), a built-in name (`preset`), or, when resuming
 * without either, the recipe stored in the run's folder.
 */
export async function resolveRecipe(options: { preset?: string; config?: string; checkpointDir: string; resume?: boolean }): Promise<TrainingRecipe> {
  if (options.config) return readRecipe(options.config);
  if (options.preset) return builtInRecipe(options.preset);
  const stored = path.join(options.checkpointDir, 'recipe.json');
  if (options.resume) {
    if (existsSync(stored)) return readRecipe(stored);
    throw new HypertxError('E_RUN_NOT_FOUND', `no training run to resume in ${options.checkpointDir} (no recipe.json there)`, {
      kind: 'usage',
      path: options.checkpointDir,
      hint: 'point --checkpoint-dir at the folder of an earlier run, or start one with --preset or --config',
    });
  }
  throw new HypertxError('E_USAGE', 'train needs --preset <recipe> or --config <recipe.json>', {
    kind: 'usage',
    hint: `built-in recipes: ${Object.keys(BUILT_IN_RECIPES).join(', ')}`,
  });
}

async function readRecipe(file: string): Promise<TrainingRecipe> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TrainingRecipe;
  } catch (err) {
    throw new HypertxError('E_RECIPE', `can't read the recipe ${file}: ${(err as Error).message}`, { kind: 'input', path: file, cause: err });
  }
}
