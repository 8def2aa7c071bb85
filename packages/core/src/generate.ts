/**
 * generate(model, support, labels) → StandaloneCnn: one forward pass of the transformers writes
 * every weight of the CNN; the BatchNorm statistics are those of the support set (labelled and
 * unlabelled), frozen, as in training ('What ships is what was trained' in docs/architecture.md).
 * The CNN takes raw 0..255 pixels; `normalization` maps them to the floats the support images
 * were given in.
 *
 * Exported layer order per block: conv → maxpool → act → batchnorm. The authors' order is
 * conv → act → maxpool → BN; for ReLU/leaky ReLU pooling first is identical and cheaper on device.
 */
import { createHash } from 'node:crypto';
import { type InputNormalization, type Layer, type StandaloneCnn, foldBatchNorm } from '@hypertx/export';
import { type Episode, type ImageBatch, disposeMetaBatch, stackEpisodes, validateEpisode } from './episode.js';
import { inputError } from './errors.js';
import { forward } from './model/forward.js';
import { generationLabels } from './self-label.js';
import { shiftFillSupport } from './support-shifts.js';
import type { HyperTransformer } from './model/hypertransformer.js';
import { tf } from './tf.js';

export const PRODUCER = 'hypertx-core 0.0.0';

/** The authors' preprocessing: x/128 − 1 on every channel. */
export function defaultNormalization(channels: number): InputNormalization {
  return { scale: new Array(channels).fill(1 / 128), offset: new Array(channels).fill(-1), description: 'x/128-1' };
}

export interface GenerateOptions {
  /** Raw 0..255 pixel → model input map (default: the authors' x/128 − 1). */
  normalization?: InputNormalization;
  /** Class names in label order (default "class 0", "class 1", …). */
  labels?: string[];
  /** Fold BatchNorm into the following layers where exact (uses @hypertx/export foldBatchNorm). Default false. */
  foldBatchNorm?: boolean;
  producer?: string;
  extraMetadata?: Record<string, string>;
  /**
   * Label the unlabelled images (−1) with a first-pass CNN's predictions and generate again
   * (self-label.ts). Default true; false keeps them as unlabelled tokens.
   */
  selfLabel?: boolean;
  /** Labels an earlier `selfLabel()` call gave these images: used as they are, no first pass. */
  selfLabels?: Int32Array;
  /**
   * Fill each labelled class up to this many images with shifted copies before generating
   * (support-shifts.ts); 0 turns it off. Default: the model's own setting (`model.supportShifts`).
   */
  supportShifts?: number;
}

/**
 * sha256 over the support pixels (float32 LE), labels, shape, and (when given) the class names and
 * the raw-pixel normalisation: renaming a class, or reaching the same floats from other raw
 * pixels, gives another hash (docs/cli.md, `supportSetHash`).
 */
export function supportSetHash(support: ImageBatch, labels: Int32Array, named: { classNames?: readonly string[]; normalization?: InputNormalization } = {}): string {
  const h = createHash('sha256');
  h.update(`${support.count}x${support.height}x${support.width}x${support.channels};`);
  if (named.classNames || named.normalization) {
    const { scale, offset } = named.normalization ?? {};
    h.update(JSON.stringify({ classNames: named.classNames ?? null, normalization: scale && offset ? { scale, offset } : null }));
  }
  h.update(new Uint8Array(support.pixels.buffer, support.pixels.byteOffset, support.pixels.byteLength));
  h.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  return h.digest('hex');
}

function tensorOf(data: Float32Array | Int32Array | Uint8Array, shape: number[]): { shape: number[]; data: Float32Array } {
  return { shape, data: Float32Array.from(data) };
}

/** Generates a standalone CNN from a support set (labels −1 = unlabelled). */
export function generate(model: HyperTransformer, support: ImageBatch, labels: Int32Array, options: GenerateOptions = {}): StandaloneCnn {
  const { config, plan } = model;
  let ways = 0;
  for (const l of labels) ways = Math.max(ways, l + 1);
  const given: Episode = { ways, support, supportLabels: labels, query: { ...support, pixels: new Float32Array(0), count: 0 }, queryLabels: new Int32Array(0) };
  validateEpisode(config, given, 'support');
  const filled = shiftFillSupport(support, generationLabels(model, support, labels, options.selfLabel, options.selfLabels), options.supportShifts ?? model.supportShifts);
  const episode: Episode = { ...given, support: filled.support, supportLabels: filled.labels };
  const names = options.labels ?? Array.from({ length: ways }, (_, i) => `class ${i}`);
  if (names.length !== ways) throw inputError('E_GENERATE_LABELS', `options.labels has ${names.length} names for ${ways} classes`);
  const normalization = options.normalization ?? defaultNormalization(config.image.channels);
  if (normalization.scale.length !== config.image.channels || normalization.offset.length !== config.image.channels) {
    throw inputError('E_GENERATE_NORMALIZATION', `normalization needs ${config.image.channels} scale and offset values`);
  }
  const batch = stackEpisodes(config, [episode]);
  const layers: Layer[] = [];
  try {
    tf.tidy(() => {
      const views = model.inferenceViews();
      const out = forward(model, views, batch, { bnMode: 'support' });
      const k = config.cnn.kernelSize;
      plan.layers.forEach((layer, l) => {
        const block = out.blocks[l]!;
        const kernel = block.kernel ? block.kernel.dataSync() : (views.get(`cnn/conv${l}/kernel`) as tf.Tensor).dataSync();
        layers.push({
          type: 'conv2d',
          weights: tensorOf(kernel, [k, k, layer.inChannels, layer.outChannels]),
          ...(block.bias ? { bias: tensorOf(block.bias.dataSync(), [layer.outChannels]) } : {}),
          stride: config.cnn.stride,
          padding: 'same',
        });
        layers.push({ type: 'maxpool2d', size: 2, stride: 2, padding: 'valid' });
        layers.push(config.cnn.activation === 'relu' ? { type: 'relu' } : { type: 'leaky_relu', alpha: 0.01 });
        layers.push({
          type: 'batchnorm',
          mean: tensorOf(block.mean.dataSync(), [layer.outChannels]),
          variance: tensorOf(block.variance.dataSync(), [layer.outChannels]),
          gamma: tensorOf((views.get(`cnn/bn${l}/gamma`) as tf.Tensor).dataSync(), [layer.outChannels]),
          beta: tensorOf((views.get(`cnn/bn${l}/beta`) as tf.Tensor).dataSync(), [layer.outChannels]),
          epsilon: config.cnn.bnEpsilon,
        });
      });
      layers.push({ type: 'flatten' });
      layers.push({
        type: 'dense',
        weights: tensorOf(out.logitsKernel.dataSync(), [plan.logits.inputSize, ways]),
        bias: tensorOf(out.logitsBias.dataSync(), [ways]),
      });
    });
  } finally {
    disposeMetaBatch(batch);
  }
  const cnn: StandaloneCnn = {
    input: { height: config.image.height, width: config.image.width, channels: config.image.channels, normalization },
    labels: names,
    layers,
    metadata: {
      producer: options.producer ?? PRODUCER,
      modelId: model.id(),
      supportSetHash: supportSetHash(support, labels, { classNames: names, normalization }),
      ...(options.extraMetadata ? { extra: options.extraMetadata } : {}),
    },
  };
  return options.foldBatchNorm ? foldBatchNorm(cnn) : cnn;
}
