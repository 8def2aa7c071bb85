/**
 * Synthetic episodes for tests, benchmarks and smoke runs: each class is a random prototype
 * image; samples are the prototype plus Gaussian noise. No image files needed; deterministic in
 * the seed.
 */
import type { HyperTransformerConfig } from './config.js';
import type { Episode, ImageBatch } from './episode.js';
import { Random } from '@hypertx/export';

export interface SyntheticEpisodeOptions {
  ways: number;
  shots: number;
  queriesPerClass: number;
  /** Unlabelled support images per class (label -1). */
  unlabeledPerClass?: number;
  /** Noise standard deviation (prototypes are uniform in [-1, 1]). */
  noise?: number;
  seed: number;
}

export function makeSyntheticEpisode(config: HyperTransformerConfig, options: SyntheticEpisodeOptions): Episode {
  const { ways, shots, queriesPerClass } = options;
  const unlabeled = options.unlabeledPerClass ?? 0;
  const noise = options.noise ?? 0.3;
  const rng = new Random(options.seed);
  const { height, width, channels } = config.image;
  const px = height * width * channels;
  const prototypes = Array.from({ length: ways }, () => Float32Array.from({ length: px }, () => rng.next() * 2 - 1));
  const batch = (count: number, classOf: (i: number) => number): ImageBatch => {
    const pixels = new Float32Array(count * px);
    for (let i = 0; i < count; i++) {
      const proto = prototypes[classOf(i)] as Float32Array;
      for (let j = 0; j < px; j++) pixels[i * px + j] = (proto[j] as number) + noise * rng.normal();
    }
    return { pixels, count, height, width, channels };
  };
  const perClass = shots + unlabeled;
  const support = batch(ways * perClass, (i) => Math.floor(i / perClass));
  const supportLabels = Int32Array.from({ length: ways * perClass }, (_, i) => (i % perClass < shots ? Math.floor(i / perClass) : -1));
  const query = batch(ways * queriesPerClass, (i) => Math.floor(i / queriesPerClass));
  const queryLabels = Int32Array.from({ length: ways * queriesPerClass }, (_, i) => Math.floor(i / queriesPerClass));
  return { ways, support, supportLabels, query, queryLabels };
}
