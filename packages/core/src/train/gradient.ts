/** Loss, gradient and predictions of a shard of episodes (used in-process and by the workers). */
import { type BnMode, type HyperTransformerConfig, channelsOf } from '../config.js';
import { type Episode, disposeMetaBatch, stackEpisodes } from '../episode.js';
import { inputError } from '../errors.js';
import { type EpisodeConvForm, crossEntropy } from '../model/forward.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import { readAhead } from '../read.js';
import { tf } from '../tf.js';
import { type Distillation, distillationLoss } from './distillation.js';

export interface ShardGradient {
  /** Mean query cross-entropy of the shard, plus weight · the distillation term when distilling. */
  loss: number;
  /** The distillation term alone (T² · mean KL, before the weight); absent unless distilling. */
  distillLoss?: number;
  /** Gradient of that mean loss w.r.t. the flat parameters. */
  gradient: Float32Array;
  /** Predicted class of every query, in order. */
  predicted: Int32Array;
  queryLabels: Int32Array;
}

/**
 * Input pixels (images × H × W × C) one forward + backward pass may hold. The wasm heap is at most
 * 4 GB and a pass keeps every activation for the backward pass: 16 episodes of 20-way 5-shot with 5
 * unlabelled at 48×48 (9.6M pixels) overflowed it ("memory access out of bounds"), while the
 * same at 32×32 (4.3M) fits. Larger shards run as several passes whose gradients are combined.
 */
export const MAX_PASS_PIXELS = 5_000_000;

/** The widest conv block of the models MAX_PASS_PIXELS was measured on. */
const MEASURED_CHANNELS = 8;

/**
 * Input pixels one pass of `config`'s model may hold: MAX_PASS_PIXELS, shrunk in proportion to
 * its widest conv block beyond 8 channels. The activations a pass keeps grow with the channels: a
 * 64-channel ProtoNet overflowed the wasm heap on a 4.3M-pixel step (16 episodes of 20-way 5-shot
 * with 5 unlabelled at 32×32) that the 8-channel model trains in one pass.
 */
export function passPixelBudget(config: HyperTransformerConfig): number {
  let widest = 0;
  for (let l = 0; l < config.cnn.layers; l++) widest = Math.max(widest, channelsOf(config, l));
  return Math.floor((MAX_PASS_PIXELS * MEASURED_CHANNELS) / Math.max(MEASURED_CHANNELS, widest));
}

export interface PassOptions {
  /** Input pixels one pass may hold (default passPixelBudget of the model's config). */
  maxPixels?: number;
  /** How the generated convs run (default: the backend's, forward.ts defaultEpisodeConv). */
  episodeConv?: EpisodeConvForm;
  /** Add the distillation term; every episode must carry `teacherLogits`. */
  distillation?: Distillation | null;
}

type PassResult = { loss: number; distillLoss?: number; gradient: tf.Tensor1D; predicted: Int32Array; queryLabels: Int32Array };

/** Episodes that stack into one meta-batch share this: ways, support and query counts. */
function shapeKey(e: Episode): string {
  return `${e.ways}/${e.support.count}/${e.query.count}`;
}

/**
 * The episodes grouped by shape (ways, support and query counts), groups in order of first
 * appearance and episodes in their order: each group runs as one meta-batch, so a step costs a
 * fixed number of kernel dispatches per distinct shape, not per episode. (Grouping, not padding
 * with masks: a padded episode would change BatchNorm statistics and the transformer's input.)
 */
export function groupByShape(episodes: Episode[]): Episode[][] {
  const groups = new Map<string, Episode[]>();
  for (const e of episodes) {
    const key = shapeKey(e);
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()];
}

/** Consecutive groups of episodes, each within `maxPixels` (an episode larger than that is a group alone). */
export function passesWithin(episodes: Episode[], maxPixels: number): Episode[][] {
  const passes: Episode[][] = [];
  let current: Episode[] = [];
  let pixels = 0;
  for (const e of episodes) {
    const size = (e.support.count + e.query.count) * e.support.height * e.support.width * e.support.channels;
    if (current.length > 0 && pixels + size > maxPixels) {
      passes.push(current);
      current = [];
      pixels = 0;
    }
    current.push(e);
    pixels += size;
  }
  if (current.length > 0) passes.push(current);
  return passes;
}

/**
 * Loss, gradient (a tensor: the caller disposes) and predictions of a shard of episodes: one pass
 * per shape group, or more where the pass budget (passPixelBudget) needs them. Over several passes the loss and
 * gradient are the query-weighted means of the passes' (each pass's loss is a mean over its
 * queries): equal to one pass up to rounding. Predictions and labels come in pass order.
 */
export async function shardGradientTensor(
  model: EpisodicModel,
  episodes: Episode[],
  bnMode: BnMode,
  options: PassOptions = {},
): Promise<PassResult> {
  const maxPixels = options.maxPixels ?? passPixelBudget(model.config);
  const conv = options.episodeConv;
  const distillation = options.distillation ?? null;
  const passes = groupByShape(episodes).flatMap((group) => passesWithin(group, maxPixels));
  if (passes.length === 1) return passGradient(model, passes[0] as Episode[], bnMode, conv, distillation);
  const queries = passes.map((p) => p.reduce((n, e) => n + e.query.count, 0));
  const all = queries.reduce((a, b) => a + b, 0);
  let gradient: tf.Tensor1D | null = null;
  let loss = 0;
  let distillLoss = 0;
  const predicted: Int32Array[] = [];
  const labels: Int32Array[] = [];
  for (const [i, pass] of passes.entries()) {
    const r = await passGradient(model, pass, bnMode, conv, distillation);
    const w = (queries[i] as number) / all;
    const previous = gradient as tf.Tensor1D | null;
    gradient = tf.tidy(() => (previous ? previous.add(r.gradient.mul(w)) : r.gradient.mul(w)) as tf.Tensor1D);
    previous?.dispose();
    r.gradient.dispose();
    loss += w * r.loss;
    distillLoss += w * (r.distillLoss ?? 0);
    predicted.push(r.predicted);
    labels.push(r.queryLabels);
  }
  return { loss, ...(distillation ? { distillLoss } : {}), gradient: gradient as unknown as tf.Tensor1D, predicted: concat(predicted), queryLabels: concat(labels) };
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** One forward + backward pass over stacked episodes (one shape). */
async function passGradient(model: EpisodicModel, episodes: Episode[], bnMode: BnMode, episodeConv: EpisodeConvForm | undefined, distillation: Distillation | null): Promise<PassResult> {
  const batch = stackEpisodes(model.config, episodes);
  try {
    if (distillation && !batch.teacherLogits) {
      const missing = episodes.findIndex((e) => e.teacherLogits === undefined);
      throw inputError('E_EPISODE_TEACHER_LOGITS', `episode ${missing} of the pass has no teacherLogits: distillation needs the teacher's query logits on every training episode`, { hint: 'label the episodes with withTeacherLogits(teacher, episodes) before the step' });
    }
    let argMax: tf.Tensor | null = null;
    let distillTerm: tf.Tensor | null = null;
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.queryLogits(model.views(), batch, { bnMode, episodeConv });
        argMax = tf.keep(tf.argMax(logits, 2));
        const ce = crossEntropy(logits, batch.queryOneHot as tf.Tensor3D);
        if (!distillation) return ce;
        const kd = distillationLoss(logits, batch.teacherLogits as tf.Tensor3D, distillation.temperature);
        distillTerm = tf.keep(kd);
        return tf.add(ce, tf.mul(kd, distillation.weight)) as tf.Scalar;
      }, [model.params]);
      return { loss: value, gradient: grads[model.params.name] as tf.Tensor1D };
    });
    const predictedTensor = argMax as unknown as tf.Tensor;
    const kd = distillTerm as tf.Tensor | null;
    await readAhead([out.loss, predictedTensor, ...(kd ? [kd] : [])]); // webgpu reads back asynchronously only
    const loss = out.loss.dataSync()[0] as number;
    const distillLoss = kd ? (kd.dataSync()[0] as number) : undefined;
    const predicted = Int32Array.from(predictedTensor.dataSync());
    tf.dispose([out.loss, predictedTensor, ...(kd ? [kd] : [])]);
    return { loss, ...(distillLoss !== undefined ? { distillLoss } : {}), gradient: out.gradient, predicted, queryLabels: batch.queryLabels };
  } finally {
    disposeMetaBatch(batch);
  }
}

export async function shardGradient(model: EpisodicModel, episodes: Episode[], bnMode: BnMode, options: PassOptions = {}): Promise<ShardGradient> {
  const r = await shardGradientTensor(model, episodes, bnMode, options);
  await readAhead([r.gradient]);
  const gradient = r.gradient.dataSync().slice() as Float32Array;
  r.gradient.dispose();
  return { ...r, gradient };
}
