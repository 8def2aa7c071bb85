/**
 * Lowers a StandaloneCnn to a short list of TFLite-shaped operations ("plan"), shared by the
 * float32 and int8 emitters:
 *
 * - BatchNorm is folded with @hypertx/export `foldBatchNorm`; what cannot fold exactly stays a
 *   per-channel affine op (emitted as a 1x1 DEPTHWISE_CONV_2D, which int8 quantises per channel);
 * - a ReLU right after conv2d / dense / affine becomes that op's fused activation, also when a max
 *   pool sits in between (ReLU and max pooling commute: both are monotonic), as in the
 *   HyperTransformer's conv → maxpool → relu → batchnorm blocks;
 * - the input normalisation `x·scale[c] + offset[c]` is folded into the first conv2d when that is
 *   exact (the conv adds no padding, or every offset is 0: a padded cell must stay 0 after
 *   normalisation), otherwise it is an affine op at the start of the graph;
 * - weights are transposed to TFLite layouts: conv HWIO → OHWI, dense [in,out] → [out,in].
 *
 * Each op remembers which layer of the folded model produces the same values (`range`), so that
 * int8 calibration can use @hypertx/export `calibrateRanges` on that model.
 */
import {
  batchNormAffine,
  foldBatchNorm,
  validate,
  windowPadding,
  type ActivationShape,
  type BatchNormLayer,
  type Conv2dLayer,
  type Pool2dLayer,
  type DenseLayer,
  type StandaloneCnn,
  type Tensor,
} from '@hypertx/export';
import { unsupportedModel } from './errors.js';

/** Index of the folded model's layer whose output equals this op's output; -1 = normalised input. */
type RangeIndex = number;

interface PlanOpBase {
  /** Per-image output shape: `[h, w, c]` or `[n]`. */
  out: number[];
  range: RangeIndex;
  /** The op's output is ReLU of that layer's output (a ReLU moved before a max pool). */
  rangeAfterRelu?: boolean;
}

export type PlanOp = PlanOpBase &
  (
    | { kind: 'conv2d'; weights: Tensor; bias: Float32Array; stride: number; padding: 'same' | 'valid'; relu: boolean }
    | { kind: 'affine'; scale: Float32Array; shift: Float32Array; relu: boolean }
    | { kind: 'relu' }
    | { kind: 'leaky_relu'; alpha: number }
    | { kind: 'pool'; mode: 'max' | 'avg'; size: number; stride: number; padding: 'same' | 'valid' }
    | { kind: 'mean' }
    | { kind: 'reshape' }
    | { kind: 'dense'; weights: Tensor; bias: Float32Array; relu: boolean }
  );

export interface Plan {
  /** `[height, width, channels]` of the raw-pixel input. */
  input: [number, number, number];
  ops: PlanOp[];
  classes: number;
  /** The model after BatchNorm folding: what calibration runs. */
  folded: StandaloneCnn;
  /** How the input normalisation is expressed. */
  normalization: 'identity' | 'folded-into-first-conv' | 'affine';
}

export function buildPlan(model: StandaloneCnn): Plan {
  validate(model); // E_IR_INVALID names the layer at fault, before anything else happens
  const folded = foldBatchNorm(model);
  const trace = validate(folded);
  const layers = trace.hasSoftmax ? folded.layers.slice(0, -1) : folded.layers;
  const ops: PlanOp[] = [];
  const input = trace.input;
  const shapeBefore = (i: number): ActivationShape => (i === 0 ? input : trace.layerOutputs[i - 1]!);

  const { scale, offset } = folded.input.normalization;
  const identity = scale.every((s) => s === 1) && offset.every((o) => o === 0);
  let normalization: Plan['normalization'] = identity ? 'identity' : 'affine';
  const first = layers[0];
  if (!identity && first?.type === 'conv2d' && (offset.every((o) => o === 0) || addsNoPadding(first, input))) {
    normalization = 'folded-into-first-conv';
  } else if (!identity) {
    ops.push({
      kind: 'affine',
      scale: Float32Array.from(scale),
      shift: Float32Array.from(offset),
      relu: false,
      out: [...input],
      range: -1,
    });
  }

  const convOp = (layer: Conv2dLayer, i: number) => {
    const { weights, bias } =
      i === 0 && normalization === 'folded-into-first-conv'
        ? foldNormalizationIntoConv(layer, scale, offset)
        : { weights: hwioToOhwi(layer.weights), bias: biasOrZeros(layer.bias, layer.weights.shape[3]!) };
    return { kind: 'conv2d' as const, weights, bias, stride: layer.stride, padding: layer.padding };
  };
  const affineOp = (layer: BatchNormLayer) => {
    const affine = batchNormAffine(layer);
    return { kind: 'affine' as const, scale: Float32Array.from(affine.scale), shift: Float32Array.from(affine.shift) };
  };

  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const out = [...trace.layerOutputs[i]!];
    // A ReLU right after this layer fuses into it; the fused op's output is the ReLU's output.
    const fuseRelu = layers[i + 1]?.type === 'relu';
    // conv/affine → maxpool → relu: fuse the ReLU into the conv, then pool (exact, see above).
    const reluAfterPool =
      !fuseRelu &&
      (layer.type === 'conv2d' || layer.type === 'batchnorm') &&
      layers[i + 1]?.type === 'maxpool2d' &&
      layers[i + 2]?.type === 'relu';
    if (reluAfterPool) {
      const pool = layers[i + 1] as Pool2dLayer;
      const fused = layer.type === 'conv2d' ? convOp(layer, i) : affineOp(layer);
      ops.push({ ...fused, relu: true, out, range: i, rangeAfterRelu: true } as PlanOp);
      ops.push({ kind: 'pool', mode: 'max', size: pool.size, stride: pool.stride, padding: pool.padding, out: [...trace.layerOutputs[i + 1]!], range: i + 2 });
      i += 2;
      continue;
    }
    switch (layer.type) {
      case 'conv2d':
        ops.push({ ...convOp(layer, i), relu: fuseRelu, out, range: fuseRelu ? i + 1 : i });
        if (fuseRelu) i++;
        break;
      case 'batchnorm':
        ops.push({ ...affineOp(layer), relu: fuseRelu, out, range: fuseRelu ? i + 1 : i });
        if (fuseRelu) i++;
        break;
      case 'dense':
        ops.push({
          kind: 'dense',
          weights: inOutToOutIn(layer.weights),
          bias: biasOrZeros(layer.bias, layer.weights.shape[1]!),
          relu: fuseRelu,
          out,
          range: fuseRelu ? i + 1 : i,
        });
        if (fuseRelu) i++;
        break;
      case 'relu':
        ops.push({ kind: 'relu', out, range: i });
        break;
      case 'leaky_relu':
        ops.push({ kind: 'leaky_relu', alpha: layer.alpha, out, range: i });
        break;
      case 'maxpool2d':
      case 'avgpool2d':
        ops.push({
          kind: 'pool',
          mode: layer.type === 'maxpool2d' ? 'max' : 'avg',
          size: layer.size,
          stride: layer.stride,
          padding: layer.padding,
          out,
          range: i,
        });
        break;
      case 'global_avg_pool':
        ops.push({ kind: 'mean', out, range: i });
        break;
      case 'flatten':
        if (shapeBefore(i).length !== 1) ops.push({ kind: 'reshape', out, range: i });
        break;
      case 'softmax':
        throw unsupportedModel(`layer ${i} is a softmax before the end of the model; only a trailing softmax is supported`);
    }
  }
  return { input, ops, classes: trace.classes, folded, normalization };
}

function addsNoPadding(conv: Conv2dLayer, input: [number, number, number]): boolean {
  const [kh, kw] = conv.weights.shape as [number, number, number, number];
  const ph = windowPadding(input[0], kh, conv.stride, conv.padding);
  const pw = windowPadding(input[1], kw, conv.stride, conv.padding);
  return ph.before + ph.after + pw.before + pw.after === 0;
}

function biasOrZeros(bias: Tensor | undefined, channels: number): Float32Array {
  return bias ? Float32Array.from(bias.data) : new Float32Array(channels);
}

/** HWIO `[kh,kw,cin,cout]` → OHWI `[cout,kh,kw,cin]`. */
export function hwioToOhwi(w: Tensor): Tensor {
  const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          out[((o * kh + y) * kw + x) * cin + i] = w.data[((y * kw + x) * cin + i) * cout + o]!;
        }
  return { shape: [cout, kh, kw, cin], data: out };
}

/** Dense `[in,out]` → `[out,in]`. */
export function inOutToOutIn(w: DenseLayer['weights']): Tensor {
  const [fin, fout] = w.shape as [number, number];
  const out = new Float32Array(w.data.length);
  for (let i = 0; i < fin; i++) for (let o = 0; o < fout; o++) out[o * fin + i] = w.data[i * fout + o]!;
  return { shape: [fout, fin], data: out };
}

/**
 * conv(x·s + t) = conv'(x) with W'[..,i,o] = W[..,i,o]·s[i] and b'[o] = b[o] + Σ W[..,i,o]·t[i]
 * (exact when no padded cell enters the sum, or t = 0). float64 sums, rounded to float32 once.
 */
function foldNormalizationIntoConv(conv: Conv2dLayer, scale: number[], offset: number[]): { weights: Tensor; bias: Float32Array } {
  const [kh, kw, cin, cout] = conv.weights.shape as [number, number, number, number];
  const scaled = new Float32Array(conv.weights.data.length);
  const bias = new Float64Array(cout);
  for (let o = 0; o < cout; o++) bias[o] = conv.bias ? conv.bias.data[o]! : 0;
  for (let k = 0; k < kh * kw; k++)
    for (let i = 0; i < cin; i++)
      for (let o = 0; o < cout; o++) {
        const index = (k * cin + i) * cout + o;
        const w = conv.weights.data[index]!;
        scaled[index] = w * scale[i]!;
        bias[o] = bias[o]! + w * offset[i]!;
      }
  return { weights: hwioToOhwi({ shape: conv.weights.shape, data: scaled }), bias: Float32Array.from(bias) };
}
