/**
 * In-framework predictions of the CNN a model generates for a support set: what compile compares
 * every exported file against ('Verification is part of compile' in docs/architecture.md).
 */
import type { BnMode } from './config.js';
import { type Episode, type ImageBatch, disposeMetaBatch, stackEpisodes } from './episode.js';
import type { EpisodicModel } from './model/hypertransformer.js';
import { generationLabels } from './self-label.js';
import { shiftFillSupport } from './support-shifts.js';
import { tf } from './tf.js';

export interface Prediction {
  logits: Float32Array;
  probabilities: Float32Array;
  /** `[images, ways]`. */
  shape: [number, number];
}

/**
 * Runs `images` through the CNN generated from (support, labels); labels −1 are unlabelled and,
 * as in generate(), labelled by a first pass unless `selfLabel: false` (or by `selfLabels`); the
 * support set is filled with shifted copies as generate() fills it.
 */
export function predict(
  model: EpisodicModel,
  support: ImageBatch,
  labels: Int32Array,
  images: ImageBatch,
  options: { bnMode?: BnMode; selfLabel?: boolean; selfLabels?: Int32Array; supportShifts?: number } = {},
): Prediction {
  let ways = 0;
  for (const l of labels) ways = Math.max(ways, l + 1);
  const filled = shiftFillSupport(support, generationLabels(model, support, labels, options.selfLabel, options.selfLabels), options.supportShifts ?? model.supportShifts);
  const episode: Episode = { ways, support: filled.support, supportLabels: filled.labels, query: images, queryLabels: new Int32Array(images.count) };
  const batch = stackEpisodes(model.config, [episode]);
  try {
    // Tensors out of the tidy, typed arrays read after it (tidy walks every key of what it returns).
    const [flat, probs] = tf.tidy(() => {
      const logits = model.queryLogits(model.inferenceViews(), batch, { bnMode: options.bnMode ?? 'support' });
      const f = logits.reshape([images.count, ways]);
      return [f, tf.softmax(f)];
    });
    const result: Prediction = { logits: flat.dataSync() as Float32Array, probabilities: probs.dataSync() as Float32Array, shape: [images.count, ways] };
    tf.dispose([flat, probs]);
    return result;
  } finally {
    disposeMetaBatch(batch);
  }
}
