/**
 * Staged training: start a HyperTransformer from a trained model of the same CNN.
 *
 * - From a ProtoNet into a logits-only HyperTransformer: the conv stack (kernels, BatchNorm gamma and
 *   beta) is copied, so the logits transformer learns to route class features from the first step
 *   instead of collapsing to uniform predictions (what a logits-only model trained from scratch did).
 * - From a logits-only HyperTransformer into one that generates every layer on top of trained kernels
 *   (`cnn.addTrainableWeights`): everything of the same name is copied, and the last LayerNorm of each
 *   generator is zeroed, so the new model starts out computing exactly its source and learns
 *   episode-specific changes from there. With `cnn.addPrototypeLogits` the logits generator starts
 *   silent the same way: the model starts as the ProtoNet it came from.
 *
 * Then train it: `hypertx train -c <recipe.json> --init <out.hxmodel>`.
 */
import path from 'node:path';
import type { BackendChoice } from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import type { ProgressCallback } from '../progress.js';
import { builtInRecipe, type TrainingRecipe } from '../train/recipe.js';

export interface StageOptions {
  /** The trained model to start from (.hxmodel/.hxckpt). */
  source: string;
  /** The recipe the new model will train with (its model section decides the architecture). */
  recipe: TrainingRecipe | string;
  /** Where to write the staged model (.hxmodel). */
  out: string;
  backend?: BackendChoice;
  onProgress?: ProgressCallback;
}

export interface StageResult {
  out: string;
  /** Tensors copied from the source, by name. */
  copied: string[];
  /** Generators that start silent (their last LayerNorm zeroed). */
  silenced: string[];
}

export async function stageFromProtoNet(options: StageOptions): Promise<StageResult> {
  const recipe = typeof options.recipe === 'string' ? builtInRecipe(options.recipe) : options.recipe;
  const core = await import('@hypertx/core');
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');
  const { recipeConfig } = await import('../train/run-training.js');
  const source = core.modelFromState(await core.loadCheckpoint(options.source));
  const config = recipeConfig(recipe);
  const fresh = core.createHyperTransformer(config, 1);
  const values = fresh.values();
  const from = source.values();
  const copied: string[] = [];
  for (const entry of fresh.layout.entries) {
    const match = source.layout.byName.get(entry.name);
    if (!match) continue;
    if (match.size !== entry.size) {
      throw new HypertxError('E_STAGE_MISMATCH', `${options.source}: ${entry.name} has ${match.size} values there but ${entry.size} in the recipe's model`, {
        kind: 'input',
        path: options.source,
        hint: 'stage from a model with the same CNN (channels, layers, input size) as the recipe',
      });
    }
    values.set(from.subarray(match.offset, match.offset + match.size), entry.offset);
    copied.push(entry.name);
  }
  const silence = (layer: number): void => {
    for (const part of ['gamma', 'beta']) {
      const entry = fresh.layout.byName.get(`layer${layer}/transformer/block${config.transformer.layers - 1}/ln2/${part}`);
      if (entry) values.fill(0, entry.offset, entry.offset + entry.size);
    }
  };
  const silenced: string[] = [];
  if (config.cnn.addTrainableWeights) {
    for (let l = config.cnn.trainedConvLayers; l < config.cnn.layers; l++) {
      silence(l);
      silenced.push(`layer${l}`);
    }
  }
  if (config.cnn.addPrototypeLogits) {
    silence(config.cnn.layers);
    silenced.push(`layer${config.cnn.layers} (logits)`);
  }
  await core.saveModel(options.out, core.modelFromValues(config, values), { initialisedFrom: path.basename(options.source), copied: copied.join(',') });
  options.onProgress?.({
    type: 'stage',
    task: 'stage',
    message: `copied ${copied.length} tensors${silenced.length ? `; silenced the generators of ${silenced.join(', ')}` : ''} → ${options.out}`,
  });
  return { out: options.out, copied, silenced };
}
