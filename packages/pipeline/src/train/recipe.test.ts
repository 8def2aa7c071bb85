import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planModel } from '@hypertx/core';
import { isHypertxError } from '@hypertx/export';
import { omniglotRecipe } from './recipe.js';
import { validateRecipe } from './recipe-validation.js';
import { recipeConfig } from './run-training.js';

test('model.overrides.image sets the input size; a 4-block CNN on 32×32 hands the logits layer 2×2×C features', () => {
  const recipe = omniglotRecipe(8);
  recipe.model.overrides = { ...recipe.model.overrides, image: { height: 32, width: 32 } };
  const config = recipeConfig(recipe);
  assert.deepEqual(config.image, { height: 32, width: 32, channels: 1 });
  assert.equal(planModel(config).logits.inputSize, 2 * 2 * 8);
  assert.equal(planModel(recipeConfig(omniglotRecipe(8))).logits.inputSize, 8, '28×28 ends at 1×1');
});

test('built-in recipes train with a BatchNorm prior; validateRecipe rejects a malformed one by name', () => {
  assert.deepEqual(omniglotRecipe(4).bnPrior, { weight: 30, every: 50, sets: 64 });
  validateRecipe(omniglotRecipe(4), { where: 'built-in' });
  const { bnPrior: _, ...without } = omniglotRecipe(4);
  validateRecipe(without, { where: 'without a prior' });
  for (const bad of [{ weight: -1, every: 1, sets: 1 }, { weight: 30, every: 0, sets: 1 }, { weight: 30, every: 5, sets: 1.5 }]) {
    assert.throws(
      () => validateRecipe({ ...omniglotRecipe(4), bnPrior: bad }, { where: 'my.json', file: 'my.json' }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_RECIPE' && err.message.startsWith('my.json: bnPrior'),
    );
  }
});

test('data.shiftPixels moves training images (same episodes otherwise); validateRecipe rejects a bad value by name', async () => {
  const { trainingEpisodes } = await import('./episodes.js');
  // 8×8 images with a 2×2 block of ink in the middle.
  const source = {
    name: 'blocks',
    channels: 1,
    classes: Array.from({ length: 6 }, (_, i) => ({ name: `c${i}`, group: 'g', imageCount: 12 })),
    readImage: () => Uint8Array.from({ length: 64 }, (_, i) => ([27, 28, 35, 36].includes(i) ? 255 : 0)),
  };
  const recipe = omniglotRecipe(4);
  recipe.episodes = { ways: 3, shots: 1, unlabeled: 0, queries: 2, perStep: 2 };
  const plain = trainingEpisodes(source, recipe, 8)(0, 1);
  const moved = trainingEpisodes(source, { ...recipe, data: { ...recipe.data, shiftPixels: 2 } }, 8)(0, 1);
  // The first episode draws the same classes and images (later ones differ: the offsets use the stream).
  assert.deepEqual(moved[0]!.supportLabels, plain[0]!.supportLabels);
  assert.deepEqual(moved[0]!.classIds, plain[0]!.classIds);
  assert.notDeepEqual(moved[0]!.query.pixels, plain[0]!.query.pixels, 'images moved');
  for (const bad of [-1, 1.5, '2']) {
    assert.throws(
      () => validateRecipe({ ...recipe, data: { ...recipe.data, shiftPixels: bad as number } }, { where: 'my.json', file: 'my.json' }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_RECIPE' && err.message.startsWith('my.json: data.shiftPixels'),
    );
  }
});

test('a recipe whose model cannot be built, or whose episodes do not fit it, is an input error naming the recipe', async () => {
  const { recipeModelConfig } = await import('./recipe-model.js');
  const origin = { where: 'my.json', file: 'my.json' };
  const cases: [string, (r: ReturnType<typeof omniglotRecipe>) => void, RegExp][] = [
    ['channels per block ≠ blocks', (r) => (r.model.overrides!.cnn = { channels: [4, 4] }), /^my\.json: model \(preset "omniglot-1shot" with model\.overrides\) is invalid: config\.cnn\.channels = \[4,4\]/],
    ['too deep for the image', (r) => (r.model.overrides!.image = { height: 8, width: 8 }), /^my\.json: model .* is invalid: cnn\.layers = 4 pools a 8×8 image below 1×1/],
    ['validation wider than the model', (r) => (r.validation.ways = 25), /^my\.json: validation\.ways is 25; it must be at most the model's maxWays \(20/],
    ['a shift as large as the image', (r) => (r.data.shiftPixels = 28), /^my\.json: data\.shiftPixels is 28; it must be less than the image side \(28 pixels\)$/],
  ];
  for (const [what, edit, message] of cases) {
    const recipe = omniglotRecipe(4);
    edit(recipe);
    assert.throws(
      () => recipeModelConfig(recipe, origin),
      (err: unknown) => isHypertxError(err) && err.code === 'E_RECIPE' && err.kind === 'input' && err.path === 'my.json' && message.test(err.message),
      what,
    );
  }
  assert.equal(recipeModelConfig(omniglotRecipe(4), origin).cnn.channels, 4);
});
