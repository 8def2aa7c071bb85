/**
 * Episodes (the shared type from @hypertx/export) and their conversion into one meta-batch of
 * tensors.
 */
import type { HyperTransformerConfig } from './config.js';
import { inputError } from './errors.js';
import { tf } from './tf.js';

import type { Episode as SampledEpisode, ImageBatch } from '@hypertx/export';

export type { ImageBatch };

/** An episode as data samples it, plus what training may carry along with it. */
export interface Episode extends SampledEpisode {
  /**
   * A frozen teacher's logits for the query images, `query.count × ways` values in query order
   * (train/teacher.ts computes them). Used only by a Trainer with `distillation`; ignored elsewhere.
   */
  teacherLogits?: Float32Array;
}

/** The tensors of T stacked episodes (equal ways and sizes). Dispose with `disposeMetaBatch`. */
export interface MetaBatch {
  episodes: number;
  ways: number;
  support: number;
  query: number;
  /** `[T·(S+Q), H, W, C]`, episode-major, support images first inside each episode. */
  images: tf.Tensor4D;
  /** `[T·S, H, W, C]` support images only. */
  supportImages: tf.Tensor4D;
  /** `[T·S, maxWays + 1]` one-hot labels; column maxWays = unlabelled. */
  supportOneHot: tf.Tensor2D;
  /** `[T, Q, ways]` one-hot query labels (absent when Q = 0). */
  queryOneHot: tf.Tensor3D | null;
  queryLabels: Int32Array;
  /** `[T, Q, ways]` the teacher's query logits, when every episode carries them (distillation). */
  teacherLogits: tf.Tensor3D | null;
}

export function disposeMetaBatch(batch: MetaBatch): void {
  const tensors = [batch.images, batch.supportOneHot, ...(batch.queryOneHot ? [batch.queryOneHot] : []), ...(batch.teacherLogits ? [batch.teacherLogits] : [])];
  if (batch.supportImages !== batch.images) tensors.push(batch.supportImages); // shared when there are no queries
  tf.dispose(tensors);
}

function checkImages(config: HyperTransformerConfig, images: ImageBatch, field: string): void {
  const { height, width, channels } = config.image;
  if (images.height !== height || images.width !== width || images.channels !== channels) {
    throw inputError('E_EPISODE_IMAGE_SHAPE', `${field} images are ${images.height}×${images.width}×${images.channels}, the model takes ${height}×${width}×${channels}`, { hint: 'resize the images to the model input size' });
  }
  if (images.pixels.length !== images.count * height * width * channels) {
    throw inputError('E_EPISODE_PIXELS', `${field}.pixels has ${images.pixels.length} values, expected count·H·W·C = ${images.count * height * width * channels}`);
  }
}

/** Checks an episode against a model config; throws a HypertxError naming the field at fault. */
export function validateEpisode(config: HyperTransformerConfig, episode: Episode, where = 'episode'): void {
  const { ways } = episode;
  if (!Number.isInteger(ways) || ways < 2 || ways > config.maxWays) {
    throw inputError('E_SUPPORT_WAYS', `${where}.ways = ${ways}: this model accepts 2..${config.maxWays} ways`, { hint: 'use fewer classes, or a model trained with a larger maxWays' });
  }
  checkImages(config, episode.support, `${where}.support`);
  checkImages(config, episode.query, `${where}.query`);
  if (episode.supportLabels.length !== episode.support.count) {
    throw inputError('E_EPISODE_LABELS', `${where}.supportLabels has ${episode.supportLabels.length} labels for ${episode.support.count} support images`);
  }
  if (episode.queryLabels.length !== episode.query.count) {
    throw inputError('E_EPISODE_LABELS', `${where}.queryLabels has ${episode.queryLabels.length} labels for ${episode.query.count} query images`);
  }
  const seen = new Set<number>();
  for (const l of episode.supportLabels) {
    if (!Number.isInteger(l) || l < -1 || l >= ways) throw inputError('E_EPISODE_LABELS', `${where}.supportLabels contains ${l}; valid labels are -1 (unlabelled) and 0..${ways - 1}`);
    if (l >= 0) seen.add(l);
  }
  if (seen.size !== ways) {
    const missing = [...Array(ways).keys()].filter((c) => !seen.has(c));
    throw inputError('E_SUPPORT_MISSING_CLASS', `${where}: class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no labelled support image`, { hint: 'every class needs at least one labelled support image' });
  }
  for (const l of episode.queryLabels) {
    if (!Number.isInteger(l) || l < 0 || l >= ways) throw inputError('E_EPISODE_LABELS', `${where}.queryLabels contains ${l}; valid labels are 0..${ways - 1}`);
  }
  if (episode.teacherLogits !== undefined) validateTeacherLogits(episode, where);
}

function validateTeacherLogits(episode: Episode, where: string): void {
  const logits = episode.teacherLogits as Float32Array;
  const expected = episode.query.count * episode.ways;
  if (!(logits instanceof Float32Array) || logits.length !== expected) {
    throw inputError('E_EPISODE_TEACHER_LOGITS', `${where}.teacherLogits has ${logits instanceof Float32Array ? logits.length : 'no Float32Array of'} values, expected queries × ways = ${episode.query.count} × ${episode.ways} = ${expected}`, {
      hint: 'teacher logits must come from a teacher run on this very episode (withTeacherLogits)',
    });
  }
  const bad = logits.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw inputError('E_EPISODE_TEACHER_LOGITS', `${where}.teacherLogits[${bad}] is ${logits[bad]}; teacher logits must be finite`, { hint: 'the teacher model is broken (its weights overflowed): train or pick another teacher' });
}

/** Validates every episode and checks that all have equal ways, support and query sizes. */
export function assertStackable(config: HyperTransformerConfig, episodes: Episode[]): void {
  if (episodes.length === 0) throw inputError('E_EPISODE_BATCH', 'a step needs at least one episode');
  const first = episodes[0] as Episode;
  episodes.forEach((e, i) => {
    validateEpisode(config, e, `episodes[${i}]`);
    if (e.ways !== first.ways || e.support.count !== first.support.count || e.query.count !== first.query.count) {
      throw inputError('E_EPISODE_BATCH', `episodes[${i}] is ${e.ways}-way with ${e.support.count} support / ${e.query.count} query images, episodes[0] is ${first.ways}-way with ${first.support.count} / ${first.query.count}`, {
        hint: 'episodes of one meta-batch must have equal ways and sizes (Trainer.trainStep groups a step\'s episodes by shape)',
      });
    }
  });
}

/** Stacks T episodes (equal ways, support and query sizes) into a meta-batch of tensors. */
export function stackEpisodes(config: HyperTransformerConfig, episodes: Episode[]): MetaBatch {
  assertStackable(config, episodes);
  const first = episodes[0] as Episode;
  const T = episodes.length;
  const S = first.support.count;
  const Q = first.query.count;
  const { height, width, channels } = config.image;
  const px = height * width * channels;
  const images = new Float32Array(T * (S + Q) * px);
  const support = Q > 0 ? new Float32Array(T * S * px) : images; // no queries (generation): one upload
  const oneHot = new Float32Array(T * S * (config.maxWays + 1));
  const queryOneHot = new Float32Array(T * Q * first.ways);
  const queryLabels = new Int32Array(T * Q);
  // Teacher logits travel only when every episode has them: a partial set has no meaning.
  const withTeacher = Q > 0 && episodes.every((e) => e.teacherLogits !== undefined);
  const teacherLogits = withTeacher ? new Float32Array(T * Q * first.ways) : null;
  episodes.forEach((e, t) => {
    if (teacherLogits) teacherLogits.set(e.teacherLogits as Float32Array, t * Q * first.ways);
    images.set(e.support.pixels, t * (S + Q) * px);
    images.set(e.query.pixels, (t * (S + Q) + S) * px);
    if (Q > 0) support.set(e.support.pixels, t * S * px);
    e.supportLabels.forEach((l, i) => {
      oneHot[(t * S + i) * (config.maxWays + 1) + (l < 0 ? config.maxWays : l)] = 1;
    });
    e.queryLabels.forEach((l, i) => {
      queryOneHot[(t * Q + i) * first.ways + l] = 1;
      queryLabels[t * Q + i] = l;
    });
  });
  const imageTensor = tf.tensor4d(images, [T * (S + Q), height, width, channels]);
  return {
    episodes: T,
    ways: first.ways,
    support: S,
    query: Q,
    images: imageTensor,
    supportImages: Q > 0 ? tf.tensor4d(support, [T * S, height, width, channels]) : imageTensor,
    supportOneHot: tf.tensor2d(oneHot, [T * S, config.maxWays + 1]),
    queryOneHot: Q > 0 ? tf.tensor3d(queryOneHot, [T, Q, first.ways]) : null,
    queryLabels,
    teacherLogits: teacherLogits ? tf.tensor3d(teacherLogits, [T, Q, first.ways]) : null,
  };
}
