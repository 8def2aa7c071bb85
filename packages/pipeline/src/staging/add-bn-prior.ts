/**
 * BatchNorm priors: population statistics of each block's BatchNorm input, estimated from training
 * support sets of many shapes (2–20 ways, 1–5 shots, 0–5 unlabelled; training alphabets only,
 * rotations included) and blended into each support set's statistics as `weight` pseudo-values.
 * A sweep measures validation accuracy for several weights, to choose one without touching test
 * episodes. With `statistics: 'keep'` only the weight changes: the model's own prior (e.g. the one
 * training re-estimated in the loop) stays as it is, so a sweep compares weights alone.
 */
import type { BackendChoice, EpisodicModel } from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import { resolveModel } from '../models.js';
import { throwIfAborted, type ProgressCallback } from '../progress.js';
import { validationEpisodes } from './validation-episodes.js';
import { writeStagedModel } from './write-staged-model.js';

export interface AddBnPriorOptions {
  /** The trained model: a bundled model name or a .hxmodel/.hxckpt path. */
  model: string;
  /** A packed Omniglot folder; the validation alphabets are left out of the estimate. Needed to estimate or sweep. */
  data?: string;
  /** `estimate` (default): new statistics from training support sets; `keep`: the model's own prior, only its weight changes. */
  statistics?: 'estimate' | 'keep';
  /** Where to write the model with its prior (a .hxckpt keeps the training state; any other file gets the weights alone); omit to only sweep. */
  out?: string;
  /** Pseudo-values of population statistics per BatchNorm (default 30). */
  weight?: number;
  /** Training support sets to estimate from (default 512). */
  sets?: number;
  /** Validation accuracy (300 episodes on the held-out alphabets, seed 7) for each of these weights; 0 means no prior. */
  sweep?: { weights: readonly number[]; shapes?: readonly string[] };
  backend?: BackendChoice;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface AddBnPriorResult {
  out?: string;
  sweep: { shape: string; weight: number; mean: number; ci95: number }[];
}

export async function addBnPrior(options: AddBnPriorOptions): Promise<AddBnPriorResult> {
  const weight = options.weight ?? 30;
  const sets = options.sets ?? 512;
  if (!(weight >= 0)) throw new HypertxError('E_USAGE', `weight must be ≥ 0, got ${weight}`, { kind: 'usage' });
  if (!Number.isInteger(sets) || sets < 1) throw new HypertxError('E_USAGE', `sets must be a whole number ≥ 1, got ${sets}`, { kind: 'usage' });
  if (!options.out && !options.sweep) throw new HypertxError('E_USAGE', 'addBnPrior needs out (a file to write) or sweep (weights to measure)', { kind: 'usage' });
  const keep = options.statistics === 'keep';
  if (options.statistics !== undefined && !keep && options.statistics !== 'estimate') throw new HypertxError('E_USAGE', `statistics must be "estimate" or "keep", got ${JSON.stringify(options.statistics)}`, { kind: 'usage' });
  if (!options.data && (options.sweep || !keep)) throw new HypertxError('E_USAGE', `${options.sweep ? 'a sweep' : 'estimating statistics'} needs data (a packed Omniglot folder)`, { kind: 'usage' });
  const [core, data] = await Promise.all([import('@hypertx/core'), import('@hypertx/data')]);
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');

  const state = await core.loadCheckpoint(resolveModel(options.model));
  const own = state.bnPrior;
  if (keep && !own) throw new HypertxError('E_NO_BN_PRIOR', `${options.model} has no BatchNorm prior to keep; estimate one (statistics: "estimate")`, { kind: 'input', path: options.model });
  const model = core.modelFromState(state);
  const size = model.config.image.height;
  const split = options.data ? data.holdOutGroups(data.loadOmniglot(options.data), data.OMNIGLOT_VALIDATION_ALPHABETS) : undefined;

  const estimate = async (w: number): Promise<void> => {
    if (keep) {
      model.bnPrior = { ...own!, weight: w };
      return;
    }
    const train = data.rotatedClasses(split!.train);
    const sampler = data.createEpisodeSampler(train, { ways: [2, 20], shots: [1, 5], unlabeled: [0, 5], queries: 1, imageSize: size, seed: 4242 });
    const episodes = Array.from({ length: sets }, () => sampler.next());
    let done = 0;
    const total = 2 * sets;
    function* batches() {
      for (const e of episodes) {
        throwIfAborted(options.signal, 'bn-prior');
        const b = core.stackEpisodes(model.config, [e]);
        try {
          yield b;
        } finally {
          core.disposeMetaBatch(b);
          options.onProgress?.({ type: 'progress', task: 'bn-prior', unit: 'support sets', done: ++done, total });
        }
      }
    }
    model.bnPrior = null;
    // Twice: the second pass sees earlier blocks normalised with the prior, as inference will.
    model.bnPrior = await core.estimateBnPrior(model, batches(), w);
    model.bnPrior = await core.estimateBnPrior(model, batches(), w);
  };

  const sweep: AddBnPriorResult['sweep'] = [];
  for (const shape of options.sweep?.shapes ?? (options.sweep ? ['5w1s'] : [])) {
    const episodes = validationEpisodes(data, split!.heldOut, shape, size);
    for (const w of options.sweep!.weights) {
      options.onProgress?.({ type: 'stage', task: 'bn-prior', message: `${shape}: weight ${w}` });
      if (w === 0) model.bnPrior = null;
      else await estimate(w);
      const r = await core.evaluate(model as EpisodicModel, episodes, { bnMode: 'support' });
      sweep.push({ shape, weight: w, mean: r.mean, ci95: r.ci95 });
    }
  }
  const result: AddBnPriorResult = { sweep };
  if (options.out) {
    await estimate(weight);
    await writeStagedModel(core, options.out, { ...state, bnPrior: model.bnPrior ?? undefined });
    result.out = options.out;
  }
  return result;
}
