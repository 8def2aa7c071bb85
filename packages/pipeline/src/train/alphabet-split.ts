/**
 * Which alphabets a recipe trains on and what it validates on (recipe `data`):
 * - `validationAlphabets: [names]`: those alphabets are held out; the rest train.
 * - `alphabetFold: { fold, of }`: the alphabets in file order cut into `of` contiguous blocks
 *   (`foldGroups` in @hypertx/data); block `fold` (1-based) is held out. Over the 30 background
 *   alphabets, fold 6 of 6 is the standard split (the last five).
 * - `trainAlphabets: "all"`: every alphabet trains; validation runs on episodes of the procedural
 *   glyph generator (VALIDATION_GLYPHS), which holds no Omniglot image.
 */
import { foldGroups } from '@hypertx/data';
import { isHypertxError } from '@hypertx/export';
import type { TrainingRecipe } from './recipe.js';
import { recipeError, type RecipeOrigin } from './recipe-validation.js';

/** The glyph source validation uses when every alphabet trains (createGlyphSource options). */
export const VALIDATION_GLYPHS = { seed: 'hypertx-validation-glyphs', alphabets: 20, charactersPerAlphabet: 20, drawers: 20 } as const;

export interface AlphabetSplit {
  /** Alphabets that train, in file order. */
  trainAlphabets: string[];
  /** Alphabets the validation episodes come from, in file order; null: procedural glyphs. */
  validationAlphabets: string[] | null;
  /** How the split was chosen, in words (`fold 2 of 5 of the 30 alphabets in file order`). */
  rule: string;
}

/** The split a valid recipe's `data` asks for, over `alphabets` (file order); unknown names are an E_RECIPE error. */
export function alphabetSplit(alphabets: readonly string[], data: TrainingRecipe['data'], origin: RecipeOrigin): AlphabetSplit {
  if (data.trainAlphabets === 'all') {
    const g = VALIDATION_GLYPHS;
    return {
      trainAlphabets: [...alphabets],
      validationAlphabets: null,
      rule: `all ${alphabets.length} alphabets train; validation on procedural glyphs (seed "${g.seed}", ${g.alphabets} alphabets of ${g.charactersPerAlphabet} characters, ${g.drawers} drawings each)`,
    };
  }
  let held: string[];
  let rule: string;
  if (data.alphabetFold) {
    const { fold, of } = data.alphabetFold;
    try {
      held = foldGroups(alphabets, fold, of);
    } catch (err) {
      if (!isHypertxError(err)) throw err;
      throw recipeError(origin, [`data.alphabetFold is ${JSON.stringify(data.alphabetFold)}; the data has ${alphabets.length} alphabets, so "of" must be 2..${alphabets.length} and "fold" 1..of`]);
    }
    rule = `fold ${fold} of ${of} of the ${alphabets.length} alphabets in file order held out`;
  } else {
    held = data.validationAlphabets ?? [];
    const unknown = held.filter((a) => !alphabets.includes(a));
    if (unknown.length > 0) {
      throw recipeError(origin, [`data.validationAlphabets names ${unknown.map((a) => JSON.stringify(a)).join(', ')}, not an alphabet of the data; it has ${alphabets.join(', ')}`]);
    }
    if (held.length >= alphabets.length) throw recipeError(origin, [`data.validationAlphabets holds out all ${alphabets.length} alphabets; at least one must train (or use data.trainAlphabets "all")`]);
    rule = `${held.length} named alphabets held out`;
  }
  return { trainAlphabets: alphabets.filter((a) => !held.includes(a)), validationAlphabets: alphabets.filter((a) => held.includes(a)), rule };
}
