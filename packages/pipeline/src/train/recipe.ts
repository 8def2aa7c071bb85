/**
 * A training recipe: everything that defines a training run, as one JSON-serialisable object, so a
 * run can be repeated, resumed and reported (it is stored beside the checkpoints as recipe.json).
 */
import { HypertxError } from '@hypertx/export';
import type { BnMode, HyperTransformerConfig, LrSchedule, OptimizerConfig, PresetName } from '@hypertx/core';

export type Count = number | [number, number];

export interface TrainingRecipe {
  /** The JSON Schema the file follows, for editors; training ignores it. */
  $schema?: string;
  name: string;
  /** The HyperTransformer, or the ProtoNet baseline with the same CNN. */
  kind: 'hypertransformer' | 'protonet';
  model: { preset: PresetName; overrides?: ConfigOverrides };
  /**
   * Which alphabets train and which validate: exactly one of `validationAlphabets`,
   * `alphabetFold` and `trainAlphabets: "all"` (alphabet-split.ts says what each holds out).
   */
  data: {
    /** Whole alphabets held out from training, for validation (Omniglot). */
    validationAlphabets?: string[];
    /** Hold out fold `fold` (1-based) of `of` contiguous blocks of the alphabets in file order. */
    alphabetFold?: { fold: number; of: number };
    /** "all": train on every alphabet; validate on procedural glyphs (alphabet-split.ts, VALIDATION_GLYPHS). */
    trainAlphabets?: 'all';
    /** Add each class rotated by 90°, 180°, 270° as new classes (the usual Omniglot augmentation). */
    rotateClasses: boolean;
    /** The authors' per-episode, per-class random rotation by k·90°. */
    rotateEpisodes: boolean;
    /** Move each training image by up to this many pixels in each direction (default 0; never validation). */
    shiftPixels?: number;
  };
  episodes: { ways: Count; shots: Count; unlabeled: Count; queries: number; perStep: number };
  optimizer: OptimizerConfig;
  schedule: LrSchedule;
  clipNorm?: number;
  bnMode: BnMode;
  /**
   * Train and ship with a BatchNorm prior: population statistics worth `weight` pseudo-values
   * blended into each support set's statistics, re-estimated every `every` steps from `sets`
   * training support sets (core: bn-prior.ts). Absent: support statistics alone.
   */
  bnPrior?: { weight: number; every: number; sets: number };
  /**
   * Distil a frozen, usually wider teacher (a .hxmodel or .hxckpt path, relative to the working
   * folder): each episode's loss adds weight · T² · KL(teacher ‖ student) on the softened query
   * probabilities (core: train/distillation.ts).
   */
  distill?: { teacher: string; weight: number; temperature: number };
  steps: number;
  checkpointEvery: number;
  validation: { every: number; episodes: number; ways: number; shots: number; unlabeled: number; queries: number; seed: number };
}

export interface ConfigOverrides {
  /** Input size: a 4-block CNN on 32×32 ends at 2×2 (32 features at 8 channels), on 28×28 at 1×1 (8). */
  image?: Partial<HyperTransformerConfig['image']>;
  maxWays?: number;
  cnn?: Partial<HyperTransformerConfig['cnn']>;
  embeddingDim?: number;
  localFeatures?: Partial<HyperTransformerConfig['localFeatures']>;
  sharedFeatures?: HyperTransformerConfig['sharedFeatures'];
  transformer?: Partial<HyperTransformerConfig['transformer']>;
}

export function applyOverrides(base: HyperTransformerConfig, o: ConfigOverrides | undefined): HyperTransformerConfig {
  if (!o) return base;
  return {
    ...base,
    ...(o.image !== undefined ? { image: { ...base.image, ...o.image } } : {}),
    ...(o.maxWays !== undefined ? { maxWays: o.maxWays } : {}),
    ...(o.embeddingDim !== undefined ? { embeddingDim: o.embeddingDim } : {}),
    ...(o.sharedFeatures !== undefined ? { sharedFeatures: o.sharedFeatures } : {}),
    cnn: { ...base.cnn, ...o.cnn },
    localFeatures: { ...base.localFeatures, ...o.localFeatures },
    transformer: { ...base.transformer, ...o.transformer },
  };
}

const OMNIGLOT_HELD_OUT = ['Ojibwe_(Canadian_Aboriginal_Syllabics)', 'Sanskrit', 'Syriac_(Estrangelo)', 'Tagalog', 'Tifinagh'];

/**
 * The recipe of the default models: one model serves 2–20 ways and 1–10 shots because it is trained
 * on episodes of varying size (issue: real support sets vary). Adam converges far faster than the
 * authors' plain SGD on the budget a CPU allows.
 */
export function omniglotRecipe(channels: number, kind: TrainingRecipe['kind'] = 'hypertransformer'): TrainingRecipe {
  return {
    name: `omniglot-${kind === 'protonet' ? 'protonet' : 'ht'}-${channels}ch`,
    kind,
    model: { preset: 'omniglot-1shot', overrides: { cnn: { channels }, localFeatures: { dim: channels } } },
    data: { validationAlphabets: OMNIGLOT_HELD_OUT, rotateClasses: true, rotateEpisodes: false },
    episodes: { ways: [2, 20], shots: [1, 5], unlabeled: [0, 2], queries: 3, perStep: 8 },
    optimizer: { name: 'adam' },
    schedule: { kind: 'cosine', lr: 1e-3, totalSteps: 20_000, minLr: 5e-5, warmupSteps: 200 },
    clipNorm: 5,
    bnMode: 'support',
    bnPrior: { weight: 30, every: 50, sets: 64 },
    steps: 20_000,
    checkpointEvery: 250,
    validation: { every: 500, episodes: 300, ways: 5, shots: 1, unlabeled: 0, queries: 5, seed: 7 },
  };
}

export const BUILT_IN_RECIPES: Record<string, () => TrainingRecipe> = {
  'omniglot-ht-4ch': () => omniglotRecipe(4),
  'omniglot-ht-8ch': () => omniglotRecipe(8),
  'omniglot-ht-16ch': () => omniglotRecipe(16),
  'omniglot-protonet-4ch': () => omniglotRecipe(4, 'protonet'),
  'omniglot-protonet-8ch': () => omniglotRecipe(8, 'protonet'),
  'omniglot-protonet-16ch': () => omniglotRecipe(16, 'protonet'),
};

export function builtInRecipe(name: string): TrainingRecipe {
  const make = BUILT_IN_RECIPES[name];
  if (!make) {
    throw new HypertxError('E_USAGE', `unknown recipe "${name}"`, { kind: 'usage', hint: `built-in recipes: ${Object.keys(BUILT_IN_RECIPES).join(', ')}; or pass --config <recipe.json>` });
  }
  return make();
}
