/**
 * The model a valid recipe trains (its preset with the overrides applied), checked as a whole: the
 * configuration must be buildable and the episodes must fit it. Loads @hypertx/core, so the library
 * imports this module only when it is about to train.
 */
import { isHypertxError } from '@hypertx/export';
import { planModel, preset, validateConfig, type HyperTransformerConfig } from '@hypertx/core';
import { applyOverrides, type TrainingRecipe } from './recipe.js';
import { recipeError, type RecipeOrigin } from './recipe-validation.js';

export function recipeModelConfig(recipe: TrainingRecipe, origin: RecipeOrigin): HyperTransformerConfig {
  const config = applyOverrides(preset(recipe.model.preset).config, recipe.model.overrides);
  try {
    validateConfig(config);
    planModel(config);
  } catch (err) {
    if (!isHypertxError(err)) throw err;
    throw recipeError(origin, [`model (preset "${recipe.model.preset}" with model.overrides) is invalid: ${err.message}`]);
  }
  const problems: string[] = [];
  const ways = recipe.episodes.ways;
  const mostWays = Array.isArray(ways) ? ways[1] : ways;
  const limit = `the model's maxWays (${config.maxWays}; model.overrides.maxWays changes it)`;
  if (mostWays > config.maxWays) problems.push(`episodes.ways is ${JSON.stringify(ways)}; it must be at most ${limit}`);
  if (recipe.validation.ways > config.maxWays) problems.push(`validation.ways is ${recipe.validation.ways}; it must be at most ${limit}`);
  const shift = recipe.data.shiftPixels ?? 0;
  const side = Math.min(config.image.height, config.image.width);
  if (shift >= side) problems.push(`data.shiftPixels is ${shift}; it must be less than the image side (${side} pixels)`);
  if (problems.length > 0) throw recipeError(origin, problems);
  return config;
}
