/** Omniglot episodes for training and validation, from a recipe (data → core wiring). */
import { createEpisodeSampler, deriveSeed, holdOutGroups, loadOmniglot, rotatedClasses, type Episode, type FewShotSource } from '@hypertx/data';
import { HypertxError } from '@hypertx/export';
import type { TrainingRecipe } from './recipe.js';

export interface OmniglotSplit {
  train: FewShotSource;
  validation: FewShotSource;
  trainClasses: number;
  validationClasses: number;
}

export function loadOmniglotSplit(dir: string | undefined, recipe: TrainingRecipe): OmniglotSplit {
  if (!dir) {
    throw new HypertxError('E_USAGE', 'no dataset given', {
      kind: 'usage',
      hint: 'pass --data <folder with images_28x28_u8.bin and index.json> or set HYPERTX_OMNIGLOT_DIR',
    });
  }
  const source = loadOmniglot(dir);
  const split = holdOutGroups(source, recipe.data.validationAlphabets);
  const train = recipe.data.rotateClasses ? rotatedClasses(split.train) : split.train;
  return { train, validation: split.heldOut, trainClasses: train.classes.length, validationClasses: split.heldOut.classes.length };
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
