/**
 * Test helpers for every format plugin (`@hypertx/export/testing`): seeded random valid models,
 * seeded pixels, named invalid models, and the paper's Omniglot CNN for benchmarks.
 */
import type { BatchNormLayer, Conv2dLayer, DenseLayer, Layer, StandaloneCnn, Tensor } from '../ir.js';
import { spatialOutputSize } from '../padding.js';
import { SeededRandom } from './random.js';

export { SeededRandom } from './random.js';

export interface RandomCnnOptions {
  /** Upper bound on conv layers (1..6, default 6). */
  maxConvLayers?: number;
  /** Upper bound on conv output channels (default 32). */
  maxChannels?: number;
  /** Input height/width are drawn from [5, maxInputSize] (default 16). */
  maxInputSize?: number;
  /** Force (true) or forbid (false) a trailing softmax layer; random when undefined. */
  softmax?: boolean;
  /**
   * Use only small dyadic values (k/16, power-of-two BN scales, epsilon 0) so that BN folding and
   * float32 storage are exact; for tests that compare at 1e-9.
   */
  exactArithmetic?: boolean;
}

type Rng = SeededRandom;

function tensor(shape: number[], fill: (i: number) => number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = fill(i);
  return { shape, data };
}

function dyadic(rng: Rng, maxNumerator: number, denominator = 16): number {
  return rng.int(-maxNumerator, maxNumerator) / denominator;
}

function weightTensor(rng: Rng, shape: number[], fanIn: number, exact: boolean, maxNumerator = 8): Tensor {
  // He initialisation. Other packages' tests depend on these exact values: don't change the draws.
  const std = Math.sqrt(2 / fanIn);
  return tensor(shape, () => (exact ? dyadic(rng, maxNumerator) : rng.normal() * std));
}

function randomBatchNorm(rng: Rng, channels: number, exact: boolean): BatchNormLayer {
  if (exact) {
    return {
      type: 'batchnorm',
      mean: tensor([channels], () => dyadic(rng, 8)),
      variance: tensor([channels], () => rng.pick([0.25, 1, 4])),
      gamma: tensor([channels], () => rng.pick([-1, -0.5, 0.25, 0.5, 0.75, 1, 1.5])),
      beta: tensor([channels], () => dyadic(rng, 8)),
      epsilon: 0,
    };
  }
  return {
    type: 'batchnorm',
    mean: tensor([channels], () => rng.normal() * 0.5),
    variance: tensor([channels], () => rng.uniform(0.2, 2)),
    // Some negative scales: they break any (wrong) assumption that BN commutes with max pooling.
    gamma: tensor([channels], () => (rng.bool(0.2) ? -1 : 1) * rng.uniform(0.5, 1.5)),
    beta: tensor([channels], () => rng.normal() * 0.3),
    epsilon: rng.pick([1e-3, 1e-5]),
  };
}

function activation(rng: Rng, exact: boolean): Layer | undefined {
  const kind = rng.pick(['relu', 'relu', 'leaky_relu', 'none'] as const);
  if (kind === 'relu') return { type: 'relu' };
  if (kind === 'leaky_relu') return { type: 'leaky_relu', alpha: exact ? 0.25 : rng.uniform(0.01, 0.3) };
  return undefined;
}

/**
 * A valid random StandaloneCnn: 1–6 conv layers (1–32 channels, kernels 1/2/3/5, stride 1/2, both
 * paddings), batchnorm before or after pooling, relu / leaky_relu, max / average pooling, a
 * global_avg_pool or flatten head, optional hidden dense, final dense, optional softmax.
 */
export function randomCnn(seed: number, options: RandomCnnOptions = {}): StandaloneCnn {
  const rng = new SeededRandom(seed);
  const exact = options.exactArithmetic ?? false;
  const maxConv = Math.min(6, Math.max(1, options.maxConvLayers ?? 6));
  const maxChannels = Math.max(1, options.maxChannels ?? 32);
  const maxSize = Math.max(5, options.maxInputSize ?? 16);

  const channels = rng.pick([1, 3]);
  const height = rng.int(5, maxSize);
  const width = rng.int(5, maxSize);
  const darkInk = rng.bool(0.3);
  const scale = Array.from({ length: channels }, () =>
    exact ? (darkInk ? -1 / 128 : 1 / 128) : (darkInk ? -1 : 1) * rng.uniform(0.5, 1.5) / 128,
  );
  const offset = Array.from({ length: channels }, () => (exact ? (darkInk ? 1 : -1) : rng.uniform(-1.2, 1.2)));

  const layers: Layer[] = [];
  let [h, w, c] = [height, width, channels];
  const convCount = rng.int(1, maxConv);
  for (let i = 0; i < convCount; i++) {
    const cout = rng.int(1, maxChannels);
    let k = rng.pick([1, 2, 3, 3, 5]);
    const stride = rng.pick([1, 1, 2]);
    let padding = rng.pick(['same', 'valid'] as const);
    if (padding === 'valid' && (k > h || k > w)) {
      k = Math.min(k, h, w);
    }
    const conv: Conv2dLayer = {
      type: 'conv2d',
      weights: weightTensor(rng, [k, k, c, cout], k * k * c, exact),
      stride,
      padding,
    };
    if (rng.bool(0.75)) conv.bias = tensor([cout], () => (exact ? dyadic(rng, 4) : rng.normal() * 0.1));
    layers.push(conv);
    [h, w, c] = [
      spatialOutputSize(h, k, stride, padding),
      spatialOutputSize(w, k, stride, padding),
      cout,
    ];
    if (rng.bool(0.3)) layers.push(randomBatchNorm(rng, c, exact));
    const act = activation(rng, exact);
    if (act) layers.push(act);
    if (rng.bool(0.5) && Math.min(h, w) >= 2) {
      const size = rng.pick([2, 2, 3]);
      const poolStride = rng.pick([1, 2, 2]);
      padding = size > Math.min(h, w) ? 'same' : rng.pick(['same', 'valid'] as const);
      layers.push({ type: rng.pick(['maxpool2d', 'avgpool2d'] as const), size, stride: poolStride, padding });
      [h, w] = [spatialOutputSize(h, size, poolStride, padding), spatialOutputSize(w, size, poolStride, padding)];
    }
    if (rng.bool(0.35)) layers.push(randomBatchNorm(rng, c, exact));
  }

  let features: number;
  if (rng.bool(0.5)) {
    layers.push({ type: 'global_avg_pool' });
    features = c;
  } else {
    layers.push({ type: 'flatten' });
    features = h * w * c;
  }
  if (rng.bool(0.2)) layers.push(randomBatchNorm(rng, features, exact));
  if (rng.bool(0.3)) {
    const hidden = rng.int(2, 16);
    layers.push({
      type: 'dense',
      weights: weightTensor(rng, [features, hidden], features, exact, 4),
      bias: tensor([hidden], () => (exact ? dyadic(rng, 4) : rng.normal() * 0.1)),
    });
    const act = activation(rng, exact);
    if (act) layers.push(act);
    if (rng.bool(0.3)) layers.push(randomBatchNorm(rng, hidden, exact));
    features = hidden;
  }
  const classes = rng.int(2, 6);
  const head: DenseLayer = {
    type: 'dense',
    weights: weightTensor(rng, [features, classes], features, exact, 4),
  };
  if (rng.bool(0.8)) head.bias = tensor([classes], () => (exact ? dyadic(rng, 4) : rng.normal() * 0.1));
  layers.push(head);
  if (options.softmax ?? rng.bool(0.5)) layers.push({ type: 'softmax' });

  return {
    input: {
      height,
      width,
      channels,
      normalization: { scale, offset, description: darkInk ? 'random, ink dark' : 'random' },
    },
    labels: Array.from({ length: classes }, (_, i) => `class-${i}`),
    layers,
    metadata: { producer: 'hypertx-testing', modelId: `random-${seed}`, extra: { seed: String(seed) } },
  };
}

/** `count` random raw images (integers 0..255, NHWC) at the model's input size. */
export function randomPixels(seed: number, model: StandaloneCnn, count: number): Float32Array {
  const rng = new SeededRandom(seed * 7919 + 17);
  const { height, width, channels } = model.input;
  const pixels = new Float32Array(count * height * width * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(0, 255);
  return pixels;
}

/**
 * The paper's `maxpool-4-layer` CNN for Omniglot: 28×28×1, 4 × (conv 3×3 8ch 'same' no bias → relu
 * → maxpool 2/2 'valid' → batchnorm), flatten (1×1×8), dense 8 → 20. Random weights, non-trivial BN.
 */
export function paperOmniglotCnn(seed = 0): StandaloneCnn {
  const rng = new SeededRandom(seed);
  const layers: Layer[] = [];
  let cin = 1;
  for (let i = 0; i < 4; i++) {
    layers.push({ type: 'conv2d', weights: weightTensor(rng, [3, 3, cin, 8], 9 * cin, false), stride: 1, padding: 'same' });
    layers.push({ type: 'relu' });
    layers.push({ type: 'maxpool2d', size: 2, stride: 2, padding: 'valid' });
    layers.push(randomBatchNorm(rng, 8, false));
    cin = 8;
  }
  layers.push({ type: 'flatten' });
  layers.push({
    type: 'dense',
    weights: weightTensor(rng, [8, 20], 8, false),
    bias: tensor([20], () => rng.normal() * 0.1),
  });
  return {
    input: {
      height: 28,
      width: 28,
      channels: 1,
      normalization: { scale: [1 / 128], offset: [-1], description: 'x/128-1, ink bright' },
    },
    labels: Array.from({ length: 20 }, (_, i) => `character-${i + 1}`),
    layers,
    metadata: { producer: 'hypertx-testing', modelId: `paper-omniglot-${seed}` },
  };
}

export interface InvalidCnnCase {
  name: string;
  model: StandaloneCnn;
  /** A fragment the validation error message must contain. */
  messageIncludes: string;
}

/** A small valid model the invalid cases are derived from: 6×5×3 → conv → BN → relu → pool → flatten → dense. */
function smallValidCnn(): StandaloneCnn {
  const rng = new SeededRandom(12345);
  return {
    input: { height: 6, width: 5, channels: 3, normalization: { scale: [1 / 128, 1 / 128, 1 / 128], offset: [-1, -1, -1] } },
    labels: ['a', 'b', 'c'],
    layers: [
      { type: 'conv2d', weights: weightTensor(rng, [3, 3, 3, 4], 27, false), bias: tensor([4], () => 0.1), stride: 1, padding: 'same' },
      randomBatchNorm(rng, 4, false),
      { type: 'relu' },
      { type: 'maxpool2d', size: 2, stride: 2, padding: 'valid' },
      { type: 'flatten' },
      { type: 'dense', weights: weightTensor(rng, [3 * 2 * 4, 3], 24, false), bias: tensor([3], () => 0) },
    ],
    metadata: { producer: 'hypertx-testing' },
  };
}

/** Named broken models that every validator/exporter must reject, with the message fragment to expect. */
export function invalidCnnCases(): InvalidCnnCase[] {
  const make = (name: string, messageIncludes: string, mutate: (m: StandaloneCnn) => void): InvalidCnnCase => {
    const model = smallValidCnn();
    mutate(model);
    return { name, model, messageIncludes };
  };
  const conv = (m: StandaloneCnn) => m.layers[0] as Conv2dLayer;
  const bn = (m: StandaloneCnn) => m.layers[1] as BatchNormLayer;
  const head = (m: StandaloneCnn) => m.layers[5] as DenseLayer;
  return [
    make('conv weights with the wrong input channels', 'expects input channels 2, but the input has 3 channels', (m) => {
      conv(m).weights = tensor([3, 3, 2, 4], () => 0.1);
    }),
    make('weight data length differs from its shape', 'has 107 values, but shape [3,3,3,4] needs 108', (m) => {
      conv(m).weights = { shape: [3, 3, 3, 4], data: new Float32Array(107) };
    }),
    make('conv bias of the wrong length', 'bias shape [5] must be [4]', (m) => {
      conv(m).bias = tensor([5], () => 0);
    }),
    make('unknown layer type', 'unknown layer type "conv3d"', (m) => {
      m.layers.splice(2, 0, { type: 'conv3d' } as unknown as Layer);
    }),
    make('NaN weight', 'contains NaN at flat index 7', (m) => {
      conv(m).weights.data[7] = Number.NaN;
    }),
    make('infinite batchnorm variance', 'layer 1 (batchnorm): variance contains Infinity', (m) => {
      bn(m).variance.data[2] = Number.POSITIVE_INFINITY;
    }),
    make('batchnorm statistics of the wrong length', 'gamma shape [3] must be [4]', (m) => {
      bn(m).gamma = tensor([3], () => 1);
    }),
    make('zero stride', 'stride is 0', (m) => {
      conv(m).stride = 0;
    }),
    make('non-integer pool size', 'size is 1.5', (m) => {
      (m.layers[3] as { size: number }).size = 1.5;
    }),
    make('dense input size mismatch', 'expects 20 input features, but the input has 24', (m) => {
      head(m).weights = tensor([20, 3], () => 0.1);
    }),
    make('valid window larger than the input', 'does not fit the 6x5 input', (m) => {
      conv(m).weights = tensor([7, 3, 3, 4], () => 0.1);
      conv(m).padding = 'valid';
    }),
    make('normalisation of the wrong length', 'input.normalization.scale has 1 values, but the input has 3 channels', (m) => {
      m.input.normalization.scale = [1 / 128];
    }),
    make('no labels', 'has no labels', (m) => {
      m.labels = [];
    }),
    make('labels count differs from the logits width', 'the logits have width 3, but the model has 4 labels', (m) => {
      m.labels = ['a', 'b', 'c', 'd'];
    }),
    make('dense layer on a feature map', 'needs a flat input', (m) => {
      m.layers.splice(4, 1);
    }),
    make('softmax in the middle', 'only allowed as the last layer', (m) => {
      m.layers.splice(2, 0, { type: 'softmax' });
    }),
  ];
}

export { resealed, splitContainer, unsealed } from './sealed-files.js';
