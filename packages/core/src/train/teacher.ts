/**
 * A frozen teacher's query logits for training episodes (distillation.ts). Computed on the thread
 * that makes the episodes and carried on each episode (`teacherLogits`), so data-parallel worker
 * threads train against them without a copy of the teacher. The teacher may be any EpisodicModel
 * (ProtoNet or HyperTransformer) of any width and input size: episodes are resized for it.
 */
import type { Episode, ImageBatch } from '../episode.js';
import { disposeMetaBatch, stackEpisodes } from '../episode.js';
import { inputError } from '../errors.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import { readAhead } from '../read.js';
import { tf } from '../tf.js';
import { groupByShape, passPixelBudget, passesWithin } from './gradient.js';

/** Throws E_DISTILL_TEACHER unless `teacher` can label an episode of `ways` classes and `channels`-channel images. */
export function assertTeacherFits(teacher: EpisodicModel, need: { ways: number; channels: number }, teacherName = 'the teacher'): void {
  const { maxWays, image } = teacher.config;
  if (need.ways > maxWays) {
    throw inputError('E_DISTILL_TEACHER', `${teacherName} (${teacher.kind}) takes at most ${maxWays} ways, but the training episodes have up to ${need.ways}`, {
      hint: 'use a teacher trained with a maxWays at least the episodes\' ways, or lower the episodes\' ways',
    });
  }
  if (need.channels !== image.channels) {
    throw inputError('E_DISTILL_TEACHER', `${teacherName} (${teacher.kind}) takes ${image.channels}-channel images, but the training episodes have ${need.channels}-channel ones`, {
      hint: 'the teacher must be trained on the same kind of images as the student',
    });
  }
}

/**
 * The episodes with `teacherLogits` set to the teacher's query logits (support-set BatchNorm, the
 * teacher's BatchNorm prior if it has one). Images stay as they are; the teacher sees them
 * resized to its input size (bilinear) where that differs. New episode objects; the inputs are
 * not changed.
 */
export async function withTeacherLogits(teacher: EpisodicModel, episodes: Episode[], options: { maxPixels?: number } = {}): Promise<Episode[]> {
  const { height, width } = teacher.config.image;
  episodes.forEach((e, i) => assertTeacherFits(teacher, { ways: e.ways, channels: e.support.channels }, `the teacher (episodes[${i}])`));
  const forTeacher: Episode[] = [];
  for (const e of episodes) forTeacher.push(await resizeEpisode(e, height, width));
  const logitsOf = new Map<Episode, Float32Array>();
  // Within a tidy every activation lives until the end of the pass, as in training: same budget.
  for (const group of groupByShape(forTeacher)) {
    for (const pass of passesWithin(group, options.maxPixels ?? passPixelBudget(teacher.config))) {
      const perEpisode = await passLogits(teacher, pass);
      pass.forEach((e, i) => logitsOf.set(e, perEpisode[i] as Float32Array));
    }
  }
  return episodes.map((e, i) => ({ ...e, teacherLogits: logitsOf.get(forTeacher[i] as Episode) as Float32Array }));
}

/** The teacher's `[Q × ways]` logits of each episode of one stackable pass. */
async function passLogits(teacher: EpisodicModel, pass: Episode[]): Promise<Float32Array[]> {
  // The teacher never trains: any logits the episodes carry are not its input.
  const batch = stackEpisodes(teacher.config, pass.map(({ teacherLogits: _, ...e }) => e));
  try {
    const logits = tf.tidy(() => teacher.queryLogits(teacher.inferenceViews(), batch, { bnMode: 'support' }));
    await readAhead([logits]); // webgpu reads back asynchronously only
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    const size = batch.query * batch.ways;
    return pass.map((_, t) => values.slice(t * size, (t + 1) * size));
  } finally {
    disposeMetaBatch(batch);
  }
}

/** The episode with its images resized to height × width (itself when they already are). */
async function resizeEpisode(e: Episode, height: number, width: number): Promise<Episode> {
  if (e.support.height === height && e.support.width === width) return e;
  return { ...e, support: await resizeImages(e.support, height, width), query: await resizeImages(e.query, height, width) };
}

async function resizeImages(images: ImageBatch, height: number, width: number): Promise<ImageBatch> {
  if (images.count === 0) return { ...images, pixels: new Float32Array(0), height, width };
  const resized = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(images.pixels, [images.count, images.height, images.width, images.channels]), [height, width], false, true));
  await readAhead([resized]);
  const pixels = resized.dataSync().slice() as Float32Array;
  resized.dispose();
  return { ...images, pixels, height, width };
}
