import assert from 'node:assert/strict';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { repoRoot } from '../test-support/paths.js';
import { BUILT_IN_RECIPES, omniglotRecipe, type TrainingRecipe } from './recipe.js';
import { RECIPE_SCHEMA_FILE } from './recipe-schema.js';
import { validateRecipe } from './recipe-validation.js';

const require = createRequire(import.meta.url);
const origin = { where: 'my.json', file: 'my.json' };

/** A valid recipe changed by `edit` (a deep copy: the edit may break it any way it likes). */
function edited(edit: (r: Record<string, any>) => void): unknown {
  const recipe = structuredClone(omniglotRecipe(4)) as unknown as Record<string, any>;
  edit(recipe);
  return recipe;
}

/** Recipes the schema itself refuses, with the line the error must hold. */
const schemaRejects: [string, unknown, RegExp][] = [
  ['null', null, /^my\.json: the recipe is null; it must be an object$/m],
  ['an array', [], /^my\.json: the recipe is \[\]; it must be an object$/m],
  ['an empty object', {}, /^my\.json: name, kind, model, data, episodes, optimizer, schedule, bnMode, steps, checkpointEvery, validation are missing$/m],
  ['queries: 0', edited((r) => (r.episodes.queries = 0)), /^my\.json: episodes\.queries is 0; it must be ≥ 1$/m],
  ['huge channels', edited((r) => (r.model.overrides.cnn.channels = 100_000)), /^my\.json: model\.overrides\.cnn\.channels is 100000; it must be ≤ 256$/m],
  ['a negative learning rate', edited((r) => (r.schedule.lr = -1)), /^my\.json: schedule\.lr is -1; it must be > 0$/m],
  ['an infinite learning rate', JSON.parse(JSON.stringify(omniglotRecipe(4)).replace('"lr":0.001', '"lr":1e999')), /^my\.json: schedule\.lr is Infinity; it must be a finite number$/m],
  ['validation.episodes: 0', edited((r) => (r.validation.episodes = 0)), /^my\.json: validation\.episodes is 0; it must be ≥ 1$/m],
  ['kind: "other"', edited((r) => (r.kind = 'other')), /^my\.json: kind is "other"; it must be one of "hypertransformer", "protonet"$/m],
  ['a misspelt key', edited((r) => ([r.episodes.querys, r.episodes.queries] = [r.episodes.queries, undefined])), /^my\.json: episodes\.querys is not a known field \(did you mean "queries"\?\); episodes takes ways, shots, unlabeled, queries, perStep$/m],
  ['three counts for a range', edited((r) => (r.episodes.ways = [2, 5, 9])), /^my\.json: episodes\.ways is \[2,5,9\]; it must be an array of at most 2 items$/m],
  ['a fractional step count', edited((r) => (r.steps = 1.5)), /^my\.json: steps is 1\.5; it must be a whole number$/m],
  ['no steps', edited((r) => (r.steps = 0)), /^my\.json: steps is 0; it must be ≥ 1$/m],
  ['an Adam setting for SGD', edited((r) => (r.optimizer = { name: 'sgd', beta1: 0.9 })), /^my\.json: optimizer\.beta1 is not a known field; optimizer takes name, momentum$/m],
  ['an exponential schedule without its rate', edited((r) => (r.schedule = { kind: 'exponential', lr: 0.1, decaySteps: 100 })), /^my\.json: schedule\.decayRate is missing$/m],
  ['a misspelt bnMode', edited((r) => (r.bnMode = 'suport')), /^my\.json: bnMode is "suport"; it must be one of "support", "transductive" \(did you mean "support"\?\)$/m],
  ['an even kernel', edited((r) => (r.model.overrides.cnn.kernelSize = 4)), /^my\.json: model\.overrides\.cnn\.kernelSize is 4; it must be one of 1, 3, 5, 7$/m],
  ['fold 0', edited((r) => ([r.data.alphabetFold, r.data.validationAlphabets] = [{ fold: 0, of: 5 }, undefined])), /^my\.json: data\.alphabetFold\.fold is 0; it must be ≥ 1$/m],
  ['a one-fold split', edited((r) => ([r.data.alphabetFold, r.data.validationAlphabets] = [{ fold: 1, of: 1 }, undefined])), /^my\.json: data\.alphabetFold\.of is 1; it must be ≥ 2$/m],
  ['trainAlphabets other than "all"', edited((r) => ([r.data.trainAlphabets, r.data.validationAlphabets] = ['most', undefined])), /^my\.json: data\.trainAlphabets is "most"; it must be one of "all"$/m],
  ['an empty validationAlphabets', edited((r) => (r.data.validationAlphabets = [])), /^my\.json: data\.validationAlphabets is \[\]; it must be an array of at least 1 items$/m],
  ['a distillation without a teacher', edited((r) => (r.distill = { weight: 1, temperature: 4 })), /^my\.json: distill\.teacher is missing$/m],
  ['a negative distillation weight', edited((r) => (r.distill = { teacher: 't.hxmodel', weight: -1, temperature: 4 })), /^my\.json: distill\.weight is -1; it must be ≥ 0$/m],
  ['a zero temperature', edited((r) => (r.distill = { teacher: 't.hxmodel', weight: 1, temperature: 0 })), /^my\.json: distill\.temperature is 0; it must be > 0$/m],
  ['a misspelt distill key', edited((r) => (r.distill = { teacher: 't.hxmodel', weight: 1, temprature: 4 })), /^my\.json: distill\.temprature is not a known field \(did you mean "temperature"\?\)/m],
];

/** Recipes that fit the schema but break a rule between fields. */
const crossFieldRejects: [string, unknown, RegExp][] = [
  ['a range upside down', edited((r) => (r.episodes.ways = [20, 2])), /^my\.json: episodes\.ways is \[20,2\]; it must be \[min, max\] with min ≤ max$/m],
  ['a final rate above the peak', edited((r) => (r.schedule.minLr = 0.1)), /^my\.json: schedule\.minLr is 0\.1; it must be ≤ schedule\.lr \(0\.001\)$/m],
  ['no split', edited((r) => (r.data.validationAlphabets = undefined)), /^my\.json: data has none; it must have exactly one of data\.validationAlphabets \(names held out\), data\.alphabetFold \(\{fold, of\}\) and data\.trainAlphabets \("all"\)$/m],
  ['two splits', edited((r) => (r.data.trainAlphabets = 'all')), /^my\.json: data has data\.validationAlphabets and data\.trainAlphabets; it must have exactly one of/m],
  ['fold 6 of 5', edited((r) => ([r.data.alphabetFold, r.data.validationAlphabets] = [{ fold: 6, of: 5 }, undefined])), /^my\.json: data\.alphabetFold\.fold is 6; it must be ≤ data\.alphabetFold\.of \(5\)$/m],
];

test('a fold, all alphabets, and a distillation are valid recipe data', () => {
  validateRecipe(edited((r) => ([r.data.alphabetFold, r.data.validationAlphabets] = [{ fold: 2, of: 5 }, undefined])), origin);
  validateRecipe(edited((r) => ([r.data.trainAlphabets, r.data.validationAlphabets] = ['all', undefined])), origin);
  validateRecipe(edited((r) => (r.distill = { teacher: 'runs/pn64/best.hxmodel', weight: 0, temperature: 4 })), origin);
});

function assertRecipeError(recipe: unknown, line: RegExp): void {
  assert.throws(
    () => validateRecipe(recipe, origin),
    (err: unknown) => {
      assert.ok(isHypertxError(err), String(err));
      assert.equal(err.code, 'E_RECIPE');
      assert.equal(err.kind, 'input');
      assert.equal(err.path, 'my.json');
      assert.match(err.message, line);
      for (const l of err.message.split('\n')) assert.ok(l.startsWith('my.json: '), `every line names the file: ${l}`);
      return true;
    },
  );
}

for (const [what, recipe, line] of [...schemaRejects, ...crossFieldRejects]) {
  test(`a recipe with ${what} is an input error naming the file and the field`, () => assertRecipeError(recipe, line));
}

test('several bad fields are one error with a line each', () => {
  const recipe = edited((r) => {
    r.episodes.queries = 0;
    r.schedule.lr = -1;
  });
  assertRecipeError(recipe, /^my\.json: episodes\.queries is 0; it must be ≥ 1\nmy\.json: schedule\.lr is -1; it must be > 0$/);
});

/** Every recipe the repository ships: the built-in ones and docs/recipes. */
function shippedRecipes(): [string, TrainingRecipe][] {
  const dir = join(repoRoot, 'docs/recipes');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 10, 'docs/recipes holds the recipes the docs train');
  return [
    ...Object.entries(BUILT_IN_RECIPES).map(([name, make]): [string, TrainingRecipe] => [name, make()]),
    ...files.map((f): [string, TrainingRecipe] => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as TrainingRecipe]),
  ];
}

test('every built-in recipe and every recipe in docs/recipes is valid, with or without a $schema', () => {
  for (const [name, recipe] of shippedRecipes()) {
    validateRecipe(recipe, { where: name });
    validateRecipe({ $schema: '../recipe.schema.json', ...recipe }, { where: name });
  }
});

test('the package exports recipe.schema.json, the very file the validator compiles, and a plain JSON Schema validator agrees with it', () => {
  const exported = require.resolve('@hypertx/pipeline/recipe.schema.json');
  assert.equal(realpathSync(exported), realpathSync(RECIPE_SCHEMA_FILE));
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages/pipeline/package.json'), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('recipe.schema.json'), 'published with the package');

  // What an editor does with the file: plain draft-07 validation, no hypertx code.
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const schema = JSON.parse(readFileSync(exported, 'utf8')) as { $schema: string };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const plain = new Ajv({ strict: true }).compile(schema);
  for (const [name, recipe] of shippedRecipes()) assert.equal(plain(recipe), true, name);
  for (const [what, recipe] of schemaRejects) {
    assert.equal(plain(recipe), false, what);
    assert.throws(() => validateRecipe(recipe, origin), what);
  }
});

test('train() validates a recipe object before it loads anything or writes a file', async () => {
  const { train } = await import('./train.js');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-recipe-'));
  try {
    const checkpointDir = join(dir, 'run');
    const bad = edited((r) => (r.validation.episodes = 0)) as TrainingRecipe;
    await assert.rejects(train({ recipe: bad, data: join(dir, 'no-data'), checkpointDir }), (err: unknown) => {
      assert.ok(isHypertxError(err));
      assert.equal(err.code, 'E_RECIPE');
      assert.equal(err.message, 'recipe "omniglot-ht-4ch": validation.episodes is 0; it must be ≥ 1');
      return true;
    });
    assert.equal(existsSync(checkpointDir), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
