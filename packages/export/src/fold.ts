/**
 * BatchNorm folding. A frozen BatchNorm is a per-channel affine map y = a·x + c with
 * a = gamma / sqrt(variance + epsilon) and c = beta − mean·a. It folds exactly:
 *
 * - backwards into a conv2d or dense layer it directly follows (scale the output channels);
 * - forwards into the next dense layer, also across flatten and global_avg_pool (both are linear and
 *   keep the channel as the fastest axis, so feature f belongs to channel f mod C);
 * - forwards into the next conv2d only when that conv adds no padding (a "valid" conv, or a "same"
 *   one whose pads are all zero): with zero padding the border cells would see c where they should see 0.
 *
 * Anything else (e.g. the HyperTransformer's conv → relu → maxpool → BN followed by a "same" conv)
 * stays a batchnorm layer; exporters express it as a per-channel Mul + Add or a native BN op.
 * Arithmetic is float64; the folded tensors are rounded to float32 once.
 */
import type { BatchNormLayer, Conv2dLayer, DenseLayer, Layer, StandaloneCnn, Tensor } from './ir.js';
import { windowPadding } from './padding.js';
import { validate } from './validate.js';

export interface BatchNormFold {
  /** Index of the batchnorm layer in the input model. */
  batchNorm: number;
  /** Index (in the input model) of the conv2d/dense layer it was folded into. */
  into: number;
  direction: 'backward' | 'forward';
}

export interface FoldResult {
  model: StandaloneCnn;
  folds: BatchNormFold[];
  /** Input-model indices of batchnorm layers that could not be folded exactly. */
  kept: number[];
}

function cloneTensor(t: Tensor): Tensor {
  return { shape: [...t.shape], data: new Float32Array(t.data) };
}

function cloneLayer(layer: Layer): Layer {
  switch (layer.type) {
    case 'conv2d':
    case 'dense': {
      const copy = { ...layer, weights: cloneTensor(layer.weights) };
      if (layer.bias) copy.bias = cloneTensor(layer.bias);
      return copy;
    }
    case 'batchnorm':
      return {
        ...layer,
        mean: cloneTensor(layer.mean),
        variance: cloneTensor(layer.variance),
        gamma: cloneTensor(layer.gamma),
        beta: cloneTensor(layer.beta),
      };
    default:
      return { ...layer };
  }
}

/** The per-channel affine form (a, c) of a frozen BatchNorm, in float64. */
export function batchNormAffine(bn: BatchNormLayer): { scale: Float64Array; shift: Float64Array } {
  const channels = bn.mean.shape[0]!;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = bn.gamma.data[c]! / Math.sqrt(bn.variance.data[c]! + bn.epsilon);
    shift[c] = bn.beta.data[c]! - bn.mean.data[c]! * scale[c]!;
  }
  return { scale, shift };
}

/** y = BN(layer(x)): scale output channel o by a[o], bias' = bias·a + c. Output channel is the last weight axis. */
function foldIntoOutputs(layer: Conv2dLayer | DenseLayer, scale: Float64Array, shift: Float64Array): void {
  const out = scale.length;
  const w = layer.weights.data;
  for (let i = 0; i < w.length; i++) w[i] = w[i]! * scale[i % out]!;
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) bias[o] = (layer.bias ? layer.bias.data[o]! : 0) * scale[o]! + shift[o]!;
  layer.bias = { shape: [out], data: bias };
}

/**
 * y = layer(a·x + c). Weights end in the output axis (conv HWIO, dense [in, out]);
 * `inputChannelOf` maps a flat weight index to the BN channel that feeds it.
 */
function foldIntoInputs(
  layer: Conv2dLayer | DenseLayer,
  scale: Float64Array,
  shift: Float64Array,
  inputChannelOf: (weightIndex: number) => number,
): void {
  const out = layer.weights.shape[layer.weights.shape.length - 1]!;
  const w = layer.weights.data;
  const biasAcc = new Float64Array(out);
  if (layer.bias) for (let o = 0; o < out; o++) biasAcc[o] = layer.bias.data[o]!;
  for (let i = 0; i < w.length; i++) {
    const ch = inputChannelOf(i);
    biasAcc[i % out] += w[i]! * shift[ch]!;
    w[i] = w[i]! * scale[ch]!;
  }
  layer.bias = { shape: [out], data: Float32Array.from(biasAcc) };
}

/** Folds every BatchNorm that can be folded exactly; reports what was folded and what was kept. */
export function foldBatchNormWithReport(model: StandaloneCnn): FoldResult {
  const trace = validate(model);
  const working = model.layers.map(cloneLayer);
  const removed = new Set<number>();
  const folds: BatchNormFold[] = [];
  const kept: number[] = [];

  working.forEach((layer, i) => {
    if (layer.type !== 'batchnorm') return;
    const { scale, shift } = batchNormAffine(layer);
    const channels = scale.length;
    const prev = i > 0 && !removed.has(i - 1) ? working[i - 1]! : undefined;
    if (prev && (prev.type === 'conv2d' || prev.type === 'dense')) {
      foldIntoOutputs(prev, scale, shift);
      removed.add(i);
      folds.push({ batchNorm: i, into: i - 1, direction: 'backward' });
      return;
    }
    // Forward: walk over layers that commute with a per-channel affine map.
    let j = i + 1;
    while (j < working.length && (working[j]!.type === 'flatten' || working[j]!.type === 'global_avg_pool')) j++;
    const next = working[j];
    if (next?.type === 'dense') {
      const fout = next.weights.shape[1]!;
      foldIntoInputs(next, scale, shift, (wi) => Math.floor(wi / fout) % channels);
      removed.add(i);
      folds.push({ batchNorm: i, into: j, direction: 'forward' });
      return;
    }
    if (next?.type === 'conv2d' && j === i + 1) {
      const [ih, iw] = trace.layerOutputs[i] as [number, number, number];
      const [kh, kw, , cout] = next.weights.shape as [number, number, number, number];
      const ph = windowPadding(ih, kh, next.stride, next.padding);
      const pw = windowPadding(iw, kw, next.stride, next.padding);
      if (ph.before + ph.after + pw.before + pw.after === 0) {
        foldIntoInputs(next, scale, shift, (wi) => Math.floor(wi / cout) % channels);
        removed.add(i);
        folds.push({ batchNorm: i, into: j, direction: 'forward' });
        return;
      }
    }
    kept.push(i);
  });

  return {
    model: { ...model, layers: working.filter((_, i) => !removed.has(i)) },
    folds,
    kept,
  };
}

/** Returns a copy of `model` with every exactly-foldable BatchNorm folded (the input is not modified). */
export function foldBatchNorm(model: StandaloneCnn): StandaloneCnn {
  return foldBatchNormWithReport(model).model;
}
