/**
 * Validation of a training recipe before any work starts: the JSON Schema (types, bounds, enums,
 * no unknown keys), then what a schema cannot say (a [min, max] range in order). Whatever fails is
 * one input error that names the recipe (its file, when it has one) and each bad field's JSON path.
 */
import { HypertxError } from '@hypertx/export';
import type { TrainingRecipe } from './recipe.js';
import { recipeSchemaErrors } from './recipe-schema.js';
import { schemaProblems, showValue } from './schema-problems.js';

/** Names a recipe in messages: its file, or for one that has none a phrase (`built-in recipe "x"`). */
export interface RecipeOrigin {
  where: string;
  file?: string;
}

const MAX_LINES = 10;

/** Throws E_RECIPE (input) unless `value` is a valid recipe. */
export function validateRecipe(value: unknown, origin: RecipeOrigin): asserts value is TrainingRecipe {
  const errors = recipeSchemaErrors(value);
  const problems = errors.length > 0 ? schemaProblems(errors) : crossFieldProblems(value as TrainingRecipe);
  if (problems.length > 0) throw recipeError(origin, problems);
}

/** One error for one or more problems, each on a line of its own that names the recipe. */
export function recipeError(origin: RecipeOrigin, problems: string[]): HypertxError {
  const shown = problems.slice(0, MAX_LINES).map((p) => `${origin.where}: ${p}`);
  if (problems.length > MAX_LINES) shown.push(`${origin.where}: ... and ${problems.length - MAX_LINES} more`);
  return new HypertxError('E_RECIPE', shown.join('\n'), {
    kind: 'input',
    ...(origin.file !== undefined ? { path: origin.file } : {}),
    hint: 'fix the field(s) named; every field and its range: docs/training.md ("Recipe fields") and the JSON Schema @hypertx/pipeline/recipe.schema.json',
  });
}

/** Rules between fields, for a recipe that fits the schema. */
function crossFieldProblems(recipe: TrainingRecipe): string[] {
  const problems: string[] = [];
  for (const key of ['ways', 'shots', 'unlabeled'] as const) {
    const count = recipe.episodes[key];
    if (Array.isArray(count) && count[0] > count[1]) problems.push(`episodes.${key} is ${showValue(count)}; it must be [min, max] with min ≤ max`);
  }
  const split = (['validationAlphabets', 'alphabetFold', 'trainAlphabets'] as const).filter((k) => recipe.data[k] !== undefined);
  if (split.length !== 1) {
    problems.push(
      `${split.length === 0 ? 'data has none' : `data has ${split.map((k) => `data.${k}`).join(' and ')}`}; it must have exactly one of data.validationAlphabets (names held out), data.alphabetFold ({fold, of}) and data.trainAlphabets ("all")`,
    );
  }
  const fold = recipe.data.alphabetFold;
  if (fold && fold.fold > fold.of) problems.push(`data.alphabetFold.fold is ${fold.fold}; it must be ≤ data.alphabetFold.of (${fold.of})`);
  const s = recipe.schedule;
  if (s.kind === 'cosine') {
    if (s.minLr !== undefined && s.minLr > s.lr) problems.push(`schedule.minLr is ${s.minLr}; it must be ≤ schedule.lr (${s.lr})`);
    if (s.warmupSteps !== undefined && s.warmupSteps > s.totalSteps) problems.push(`schedule.warmupSteps is ${s.warmupSteps}; it must be ≤ schedule.totalSteps (${s.totalSteps})`);
  }
  return problems;
}
