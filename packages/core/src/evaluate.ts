/** Episode-level evaluation: per-episode accuracy, so callers can report mean ± 95 % CI. */
import type { BnMode } from './config.js';
import { type Episode, disposeMetaBatch, stackEpisodes } from './episode.js';
import type { EpisodicModel } from './model/hypertransformer.js';
import { readAhead } from './read.js';
import { shiftFillSupport } from './support-shifts.js';
import { tf } from './tf.js';

export interface EvaluationResult {
  /** Accuracy of each episode, in order. */
  accuracies: number[];
  /** Mean query cross-entropy of each episode. */
  losses: number[];
  mean: number;
  /** Half-width of the normal-approximation 95 % confidence interval of the mean (1.96·sd/√n). */
  ci95: number;
}

export interface EvaluateOptions {
  bnMode?: BnMode;
}

export function meanAndCi95(values: number[]): { mean: number; ci95: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci95: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: NaN };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}

function withFilledSupport(episode: Episode, fill: number): Episode {
  const { support, labels } = shiftFillSupport(episode.support, episode.supportLabels, fill);
  return { ...episode, support, supportLabels: labels };
}

/** Logits, loss and accuracy of one meta-batch (no gradients). */
export async function scoreBatch(model: EpisodicModel, episodes: Episode[], bnMode: BnMode): Promise<{ accuracies: number[]; losses: number[] }> {
  // Support sets filled with shifted copies, as generate() fills them for this model.
  const filled = model.supportShifts ? episodes.map((e) => withFilledSupport(e, model.supportShifts)) : episodes;
  const batch = stackEpisodes(model.config, filled);
  try {
    const [predictedTensor, lossTensor] = tf.tidy(() => {
      const logits = model.queryLogits(model.inferenceViews(), batch, { bnMode });
      const logp = tf.logSoftmax(logits);
      return [tf.argMax(logits, 2), tf.neg(tf.mean(tf.sum(tf.mul(batch.queryOneHot as tf.Tensor3D, logp), 2), 1))];
    });
    await readAhead([predictedTensor, lossTensor]); // webgpu reads back asynchronously only
    const predicted = predictedTensor.dataSync();
    const perEpisodeLoss = lossTensor.dataSync();
    tf.dispose([predictedTensor, lossTensor]);
    const T = batch.episodes;
    const Q = batch.query;
    const accuracies: number[] = [];
    const losses: number[] = [];
    for (let t = 0; t < T; t++) {
      let right = 0;
      for (let q = 0; q < Q; q++) if (predicted[t * Q + q] === batch.queryLabels[t * Q + q]) right++;
      accuracies.push(right / Q);
      losses.push(perEpisodeLoss[t] as number);
    }
    return { accuracies, losses };
  } finally {
    disposeMetaBatch(batch);
  }
}

/** Evaluates episodes one by one (they may differ in ways and sizes). */
export async function evaluate(model: EpisodicModel, episodes: Iterable<Episode>, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const accuracies: number[] = [];
  const losses: number[] = [];
  for (const episode of episodes) {
    const r = await scoreBatch(model, [episode], options.bnMode ?? 'support');
    accuracies.push(...r.accuracies);
    losses.push(...r.losses);
  }
  return { accuracies, losses, ...meanAndCi95(accuracies) };
}
