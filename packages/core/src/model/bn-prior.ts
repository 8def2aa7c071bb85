/**
 * BatchNorm prior: population statistics of each conv block's BatchNorm input, blended into the
 * support-set statistics with a weight of `weight` pseudo-values per channel.
 *
 * Why: the exported CNN freezes BatchNorm statistics computed from its support set. After four
 * 2× poolings a 28×28 image is 1×1, so the last block sees one value per support image and
 * channel: a 2-way 1-shot support set normalises every feature to exactly ±1, a 5-way 1-shot set
 * to a five-point standardisation. With n support values per channel the statistics used are
 * n/(n+weight) support and weight/(n+weight) population: early blocks (n = S·196) stay support
 * statistics, the last block (n = S) leans on the population. The exported graph is unchanged;
 * only the frozen constants differ.
 */
import type { MetaBatch } from '../episode.js';
import { readAhead } from '../read.js';
import { tf } from '../tf.js';

export interface BnPrior {
  /** Pseudo-values per channel the population statistics count for (0 = support statistics alone). */
  weight: number;
  /** Per conv block: population mean and variance of the BatchNorm input, one value per channel. */
  mean: Float32Array[];
  variance: Float32Array[];
}

/** One block's share of a prior. */
export interface LayerPrior {
  weight: number;
  mean: Float32Array;
  variance: Float32Array;
}

export function layerPrior(prior: BnPrior | null | undefined, layer: number): LayerPrior | undefined {
  if (!prior || prior.weight <= 0) return undefined;
  const mean = prior.mean[layer];
  const variance = prior.variance[layer];
  if (!mean || !variance) return undefined;
  return { weight: prior.weight, mean, variance };
}

/** Pooled moments of n support values (per episode, `[T, 1, C]`) and `weight` prior pseudo-values. */
export function blendMoments(stats: { mean: tf.Tensor3D; variance: tf.Tensor3D }, prior: LayerPrior, n: number): { mean: tf.Tensor3D; variance: tf.Tensor3D } {
  const a = n / (n + prior.weight);
  const c = prior.mean.length;
  const pm = tf.tensor3d(prior.mean, [1, 1, c]);
  const pv = tf.tensor3d(prior.variance, [1, 1, c]);
  const mean = tf.add(tf.mul(stats.mean, a), tf.mul(pm, 1 - a)) as tf.Tensor3D;
  // Variance of the union: each part's variance plus its mean's squared distance to the pooled mean.
  const supportPart = tf.mul(tf.add(stats.variance, tf.square(tf.sub(stats.mean, mean))), a);
  const priorPart = tf.mul(tf.add(pv, tf.square(tf.sub(pm, mean))), 1 - a);
  return { mean, variance: tf.add(supportPart, priorPart) as tf.Tensor3D };
}

/** A model that can report the support BatchNorm statistics it uses (per block, `[T, C]`). */
export interface HasBnStatistics {
  bnStatistics(batch: MetaBatch): { mean: tf.Tensor2D; variance: tf.Tensor2D }[];
}

/**
 * Population statistics from support sets: every support set's per-channel statistics (computed
 * as inference computes them, i.e. with the model's current prior in earlier blocks) combined by
 * the law of total variance, each support set counting once. Pass many varied support sets
 * (training episodes; queries are ignored).
 */
export async function estimateBnPrior(model: HasBnStatistics, batches: Iterable<MetaBatch>, weight: number): Promise<BnPrior> {
  let sums: Float64Array[] = [];
  let squares: Float64Array[] = [];
  let count = 0;
  for (const batch of batches) {
    const tensors = tf.tidy(() => model.bnStatistics(batch).flatMap((s) => [s.mean, s.variance]));
    await readAhead(tensors); // webgpu reads back asynchronously only
    const stats = Array.from({ length: tensors.length / 2 }, (_, l) => ({ mean: (tensors[2 * l] as tf.Tensor2D).arraySync(), variance: (tensors[2 * l + 1] as tf.Tensor2D).arraySync() }));
    tf.dispose(tensors);
    if (sums.length === 0) {
      sums = stats.map((s) => new Float64Array((s.mean[0] as number[]).length));
      squares = stats.map((s) => new Float64Array((s.mean[0] as number[]).length));
    }
    stats.forEach((s, l) => {
      s.mean.forEach((row, t) => {
        row.forEach((m, c) => {
          (sums[l] as Float64Array)[c]! += m;
          (squares[l] as Float64Array)[c]! += (s.variance[t] as number[])[c]! + m * m;
        });
      });
    });
    count += batch.episodes;
  }
  if (count === 0) throw new Error('estimateBnPrior needs at least one support set');
  const mean = sums.map((s) => Float32Array.from(s, (x) => x / count));
  const variance = squares.map((q, l) => Float32Array.from(q, (x, c) => Math.max(0, x / count - ((sums[l] as Float64Array)[c]! / count) ** 2)));
  return { weight, mean, variance };
}
