/** Omniglot episodes for training and validation, from a recipe (data → core wiring). */
import { createEpisodeSampler, createGlyphSource, deriveSeed, groupsOf, holdOutGroups, loadOmniglot, rotatedClasses, type Episode, type FewShotSource } from '@hypertx/data';
import { HypertxError } from '@hypertx/export';
import { alphabetSplit, VALIDATION_GLYPHS, type AlphabetSplit } from './alphabet-split.js';
import type { TrainingRecipe } from './recipe.js';
import type { RecipeOrigin } from './recipe-validation.js';

export interface OmniglotSplit {
  train: FewShotSource;
  validation: FewShotSource;
  trainClasses: number;
  validationClasses: number;
  /** Which alphabets train and validate, and why. */
  alphabets: AlphabetSplit;
}

export function loadOmniglotSplit(dir: string | undefined, recipe: TrainingRecipe, origin: RecipeOrigin = { where: `recipe "${recipe.name}"` }): OmniglotSplit {
  if (!dir) {
    throw new HypertxError('E_USAGE', 'no dataset given', {
      kind: 'usage',
      hint: 'pass --data <folder with images_28x28_u8.bin and index.json> or set HYPERTX_OMNIGLOT_DIR',
    });
  }
  const source = loadOmniglot(dir);
  const alphabets = alphabetSplit(groupsOf(source), recipe.data, origin);
  let kept: FewShotSource = source;
  let validation: FewShotSource;
  if (alphabets.validationAlphabets) {
    const split = holdOutGroups(source, alphabets.validationAlphabets);
    kept = split.train;
    validation = split.heldOut;
  } else {
    validation = createGlyphSource(VALIDATION_GLYPHS);
  }
  const train = recipe.data.rotateClasses ? rotatedClasses(kept) : kept;
  return { train, validation, trainClasses: train.classes.length, validationClasses: validation.classes.length, alphabets };
}

/**
 * The training episodes of step `step`: a pure function of (seed, step), so a resumed run sees
 * exactly the episodes the uninterrupted run would have.
 */
export function trainingEpisodes(source: FewShotSource, recipe: TrainingRecipe, height: number) {
  const e = recipe.episodes;
  return (step: number, seed: number): Episode[] =>
    createEpisodeSampler(source, {
      ways: e.ways,
      shots: e.shots,
      unlabeled: e.unlabeled,
      queries: e.queries,
      imageSize: height,
      rotate: recipe.data.rotateEpisodes,
      shift: recipe.data.shiftPixels ?? 0,
      seed: deriveSeed(seed, step),
    }).nextBatch(e.perStep);
}

/** A fixed list of evaluation episodes (the same for every evaluation of a run). */
export function evaluationEpisodes(
  source: FewShotSource,
  spec: { episodes: number; ways: number; shots: number; unlabeled: number; queries: number; seed: number },
  height: number,
): Episode[] {
  const sampler = createEpisodeSampler(source, {
    ways: spec.ways,
    shots: spec.shots,
    unlabeled: spec.unlabeled,
    queries: spec.queries,
    imageSize: height,
    seed: spec.seed,
  });
  return Array.from({ length: spec.episodes }, () => sampler.next());
}
