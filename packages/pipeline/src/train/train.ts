/**
 * train: a resumable training run of a HyperTransformer or ProtoNet from a recipe (see recipe.ts),
 * and how a recipe is found: a built-in name, a JSON file, or the one stored beside a run's
 * checkpoints when it resumes. Every recipe is validated before any work starts.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { BackendChoice, HyperTransformerConfig } from '@hypertx/core';
import { HypertxError, readInputFile } from '@hypertx/export';
import type { ProgressCallback } from '../progress.js';
import { builtInRecipe, BUILT_IN_RECIPES, type TrainingRecipe } from './recipe.js';
import { validateRecipe, type RecipeOrigin } from './recipe-validation.js';
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
  /**
   * Threads that compute each step's episodes: the main thread plus `threads − 1` worker threads
   * (data-parallel, docs/training.md "Using every core"). Results differ from one thread by float
   * rounding only. Default: on the wasm and cpu backends one per core (at most the recipe's
   * episodes per step), elsewhere 1 (tfjs-node and a GPU use every core already).
   */
  threads?: number;
  /** Once aborted, the run saves a checkpoint after the current step and resolves with `stopped: true`. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export type TrainResult = RunResult;

export async function train(options: TrainOptions): Promise<TrainResult> {
  const recipe = await checkedRecipe(options.recipe);
  if (options.steps !== undefined && !(Number.isInteger(options.steps) && options.steps >= 1)) {
    throw new HypertxError('E_USAGE', `steps must be a whole number ≥ 1, got ${options.steps}`, { kind: 'usage' });
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new HypertxError('E_USAGE', `threads must be a whole number ≥ 1, got ${options.threads}`, { kind: 'usage', hint: 'use --threads 2 on a 2-core machine' });
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
    threads: options.threads ?? defaultTrainingThreads(core.currentBackend()?.tfBackend, recipe),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/**
 * Threads a run uses unless told: the wasm and cpu backends compute on one core each, so one
 * per core, but no more than a step has episodes; tfjs-node and WebGPU spread one thread's work
 * over the machine themselves (and a GPU takes no worker threads).
 */
export function defaultTrainingThreads(tfBackend: string | undefined, recipe: Pick<TrainingRecipe, 'episodes'>, cores = availableParallelism()): number {
  if (tfBackend !== 'wasm' && tfBackend !== 'cpu') return 1;
  return Math.max(1, Math.min(cores, recipe.episodes.perStep));
}

/** A built-in recipe by name, or a recipe object, validated (schema, then the model it builds). */
async function checkedRecipe(recipe: unknown): Promise<TrainingRecipe> {
  if (typeof recipe === 'string') return checkRecipe(builtInRecipe(recipe), { where: `built-in recipe "${recipe}"` });
  const name = (recipe as { name?: unknown } | null)?.name;
  return checkRecipe(recipe, { where: typeof name === 'string' && name !== '' ? `recipe "${name}"` : 'the recipe' });
}

/**
 * Validates a recipe before any work starts: the JSON Schema and the rules between fields, then the
 * model it configures (loads @hypertx/core). Errors are E_RECIPE input errors naming `origin`.
 */
export async function checkRecipe(value: unknown, origin: RecipeOrigin): Promise<TrainingRecipe> {
  validateRecipe(value, origin);
  const { recipeModelConfig } = await import('./recipe-model.js');
  recipeModelConfig(value, origin);
  return value;
}

/** The model config a recipe trains (its preset with the recipe's overrides), the recipe validated first. Async: core loads on first use. */
export async function recipeConfig(recipe: TrainingRecipe | string): Promise<HyperTransformerConfig> {
  const checked = await checkedRecipe(recipe);
  const { recipeModelConfig } = await import('./recipe-model.js');
  return recipeModelConfig(checked, { where: typeof recipe === 'string' ? `built-in recipe "${recipe}"` : `recipe "${checked.name}"` });
}

/**
 * The recipe a command names: a JSON file (`config`), a built-in name (`preset`), or, when resuming
 * without either, the recipe stored in the run's folder.
 */
export async function resolveRecipe(options: { preset?: string; config?: string; checkpointDir: string; resume?: boolean }): Promise<TrainingRecipe> {
  if (options.config) return readRecipe(options.config);
  if (options.preset) return checkedRecipe(options.preset);
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

/** A recipe file, parsed and validated; errors name the file. */
async function readRecipe(file: string): Promise<TrainingRecipe> {
  const text = (await readInputFile(file, 'recipe', { codes: { notFound: 'E_RECIPE', read: 'E_RECIPE' } })).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HypertxError('E_RECIPE', `can't read the recipe ${file}: ${(err as Error).message}`, { kind: 'input', path: file, cause: err });
  }
  return checkRecipe(value, { where: file, file });
}
