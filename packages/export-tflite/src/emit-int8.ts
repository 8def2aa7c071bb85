/**
 * Plan → full-integer int8 TfliteGraph (TFLite's int8 quantisation spec):
 * - activations: asymmetric per-tensor int8 from calibrated min/max (widened to include 0);
 * - conv and affine (1x1 depthwise) weights: symmetric per-channel int8; dense weights per-tensor;
 * - biases int32 with scale s_in·s_w and zero point 0;
 * - pooling and reshape keep their input's quantisation (the kernels require it), and so does
 *   LEAKY_RELU: LiteRT's int8 kernel rescales with a low-precision multiplier, which measurably
 *   drifted (up to 6 output steps) unless input and output share scale and zero point;
 * - softmax output is 1/256, zero point −128;
 * - the raw-pixel input is int8 with scale 1 and zero point −128 (q = pixel − 128, exact for 0..255).
 * With `io: 'float'` the graph is wrapped in QUANTIZE (float pixels → int8) and DEQUANTIZE (outputs).
 * Operator versions follow TFLite's op_version rules for int8 kernels.
 */
import {
  activationQuantParams,
  calibrateRanges,
  quantizeBias,
  quantizeWeightsPerChannel,
  quantizeWeightsPerTensor,
  type QuantParams,
  type ValueRange,
} from '@hypertx/export';
import { reshape } from './emit-float.js';
import type { TensorQuantization, TfliteGraph } from './graph.js';
import { TfliteGraphBuilder } from './graph-builder.js';
import type { Plan, PlanOp } from './plan.js';
import { BuiltinOperator, TensorType } from './schema.js';
import { SIGNATURE, type GraphFrame } from './signature.js';

/** Quantisation of the int8 `pixels` tensor: q = pixel − 128, so raw 0..255 maps to −128..127 exactly. */
export const INT8_INPUT_QUANTIZATION: QuantParams = { scale: 1, zeroPoint: -128 };
/** TFLite's fixed quantisation of an int8 softmax output. */
export const INT8_SOFTMAX_QUANTIZATION: QuantParams = { scale: 1 / 256, zeroPoint: -128 };

/** int8 operator versions (tensorflow/lite/tools/versioning/op_version.cc). */
const INT8_VERSION = {
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 3,
  FULLY_CONNECTED: 4,
  POOL: 2,
  MEAN: 2,
  SOFTMAX: 2,
  RESHAPE: 1,
  RELU: 2,
  LEAKY_RELU: 1,
  QUANTIZE: 1,
  DEQUANTIZE: 2,
} as const;

export type Int8Io = 'float' | 'int8';

export interface Int8Calibration {
  pixels: Float32Array;
  count: number;
}

/**
 * Default headroom added to each calibrated activation range, as a fraction of its width, at
 * both ends. Min/max over a few support images is tight: new images that land outside it are
 * clipped, and clipping at the logits directly distorts the probabilities (measured on the paper
 * CNN: 20 output steps with no margin vs about 2 with 0.1). A wider range costs resolution in
 * proportion (0.1 → 20% larger quantisation steps).
 */
export const DEFAULT_RANGE_MARGIN = 0.1;

/**
 * Default headroom for the logits tensor. Clipping there is the costliest failure (the top class
 * is usually the clipped one): on the paper CNN with support-set BatchNorm statistics, the worst
 * image went from 92 output steps with 0.1 to 21 with 0.25, at a median cost of under 0.1 step.
 */
export const DEFAULT_LOGITS_RANGE_MARGIN = 0.25;

export interface RangeMargins {
  /** Hidden activations (fraction of the calibrated width added at each end). */
  hidden: number;
  logits: number;
}

/** Widens a range by `margin`·width at each end, except an end at or beyond 0 (e.g. ReLU's 0). */
function widen(range: ValueRange, margin: number): ValueRange {
  const extra = (range.max - range.min) * margin;
  return { min: range.min >= 0 ? range.min : range.min - extra, max: range.max <= 0 ? range.max : range.max + extra };
}

/** Exact range of the normalised input: raw pixels are 0..255, so no calibration is needed. */
function normalizedInputRange(plan: Plan): ValueRange {
  const { scale, offset } = plan.folded.input.normalization;
  let min = Infinity;
  let max = -Infinity;
  scale.forEach((s, c) => {
    for (const v of [offset[c]!, 255 * s + offset[c]!]) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  });
  return { min, max };
}

function perTensor(q: QuantParams): TensorQuantization {
  return { scale: [q.scale], zeroPoint: [q.zeroPoint] };
}

export function emitInt8Graph(
  plan: Plan,
  frame: GraphFrame,
  calibration: Int8Calibration,
  io: Int8Io,
  margins: RangeMargins = { hidden: DEFAULT_RANGE_MARGIN, logits: DEFAULT_LOGITS_RANGE_MARGIN },
): TfliteGraph {
  const rangeMargin = margins.hidden;
  const ranges = calibrateRanges(plan.folded, calibration.pixels, calibration.count);
  const inputRange = normalizedInputRange(plan);
  const layerRange = (op: PlanOp): ValueRange => {
    const r = ranges.layers[op.range]!;
    return op.rangeAfterRelu ? { min: Math.max(0, r.min), max: Math.max(0, r.max) } : r;
  };
  const rangeOf = (op: PlanOp): ValueRange => (op.range < 0 ? inputRange : widen(layerRange(op), rangeMargin));

  const g = new TfliteGraphBuilder();
  const [h, w, c] = plan.input;
  const inputQuant = perTensor(INT8_INPUT_QUANTIZATION);
  let graphInput: number;
  let x: number;
  if (io === 'float') {
    graphInput = g.activation(SIGNATURE.input, TensorType.FLOAT32, [1, h, w, c]);
    x = g.activation(`${SIGNATURE.input}_int8`, TensorType.INT8, [1, h, w, c], inputQuant);
    g.op({ op: BuiltinOperator.QUANTIZE, version: INT8_VERSION.QUANTIZE, inputs: [graphInput], outputs: [x], options: { kind: 'quantize' } });
  } else {
    graphInput = g.activation(SIGNATURE.input, TensorType.INT8, [1, h, w, c], inputQuant);
    x = graphInput;
  }
  let xQuant = INT8_INPUT_QUANTIZATION;
  const int8Input = x;

  plan.ops.forEach((op, i) => {
    const keepsQuant = op.kind === 'pool' || op.kind === 'reshape' || op.kind === 'leaky_relu';
    const isLogits = i === plan.ops.length - 1;
    const range = isLogits && op.range >= 0 ? widen(layerRange(op), margins.logits) : rangeOf(op);
    const outQuant = keepsQuant ? xQuant : activationQuantParams(range.min, range.max);
    const out = g.activation(`op${i}_${op.kind}`, TensorType.INT8, [1, ...op.out], perTensor(outQuant));
    emitOp(g, op, i, x, xQuant, out);
    x = out;
    xQuant = outQuant;
  });

  let logits = x;
  if (logits === int8Input) {
    logits = g.activation('logits_reshaped', TensorType.INT8, [1, plan.classes], perTensor(xQuant));
    reshape(g, x, logits, [1, plan.classes], 'logits', INT8_VERSION.RESHAPE);
  }
  const probabilities = g.activation('probabilities_int8', TensorType.INT8, [1, plan.classes], perTensor(INT8_SOFTMAX_QUANTIZATION));
  g.op({ op: BuiltinOperator.SOFTMAX, version: INT8_VERSION.SOFTMAX, inputs: [logits], outputs: [probabilities], options: { kind: 'softmax', beta: 1 } });

  let outputs: [number, number];
  if (io === 'float') {
    g.tensor(logits).name = 'logits_int8';
    const logitsFloat = g.activation(SIGNATURE.logits, TensorType.FLOAT32, [1, plan.classes]);
    const probabilitiesFloat = g.activation(SIGNATURE.probabilities, TensorType.FLOAT32, [1, plan.classes]);
    g.op({ op: BuiltinOperator.DEQUANTIZE, version: INT8_VERSION.DEQUANTIZE, inputs: [logits], outputs: [logitsFloat], options: { kind: 'dequantize' } });
    g.op({ op: BuiltinOperator.DEQUANTIZE, version: INT8_VERSION.DEQUANTIZE, inputs: [probabilities], outputs: [probabilitiesFloat], options: { kind: 'dequantize' } });
    outputs = [logitsFloat, probabilitiesFloat];
  } else {
    g.tensor(logits).name = SIGNATURE.logits;
    g.tensor(probabilities).name = SIGNATURE.probabilities;
    outputs = [logits, probabilities];
  }

  return g.finish({
    description: frame.description,
    inputs: [graphInput],
    outputs,
    signature: {
      key: SIGNATURE.key,
      inputs: [{ name: SIGNATURE.input, tensor: graphInput }],
      outputs: [
        { name: SIGNATURE.logits, tensor: outputs[0] },
        { name: SIGNATURE.probabilities, tensor: outputs[1] },
      ],
    },
    metadata: frame.metadata,
  });
}

function emitOp(g: TfliteGraphBuilder, op: PlanOp, index: number, x: number, xQuant: QuantParams, out: number): void {
  const name = `op${index}_${op.kind}`;
  switch (op.kind) {
    case 'conv2d': {
      const { w, b } = perChannelWeights(g, name, op.weights, 0, op.bias, xQuant.scale);
      g.op({
        op: BuiltinOperator.CONV_2D,
        version: INT8_VERSION.CONV_2D,
        inputs: [x, w, b],
        outputs: [out],
        options: { kind: 'conv2d', padding: op.padding, strideH: op.stride, strideW: op.stride, activation: op.relu ? 'relu' : 'none' },
      });
      return;
    }
    case 'affine': {
      const channels = op.scale.length;
      const { w, b } = perChannelWeights(g, name, { shape: [1, 1, 1, channels], data: op.scale }, 3, op.shift, xQuant.scale);
      const options = { kind: 'depthwise_conv2d', strideH: 1, strideW: 1, activation: op.relu ? 'relu' : 'none' } as const;
      if (op.out.length === 3) {
        g.op({ op: BuiltinOperator.DEPTHWISE_CONV_2D, version: INT8_VERSION.DEPTHWISE_CONV_2D, inputs: [x, w, b], outputs: [out], options });
        return;
      }
      const outQuant = g.tensor(out).quantization!;
      const as4d = g.activation(`${name}/as4d`, TensorType.INT8, [1, 1, 1, channels], perTensor(xQuant));
      const result4d = g.activation(`${name}/result4d`, TensorType.INT8, [1, 1, 1, channels], outQuant);
      reshape(g, x, as4d, [1, 1, 1, channels], `${name}/to4d`, INT8_VERSION.RESHAPE);
      g.op({ op: BuiltinOperator.DEPTHWISE_CONV_2D, version: INT8_VERSION.DEPTHWISE_CONV_2D, inputs: [as4d, w, b], outputs: [result4d], options });
      reshape(g, result4d, out, [1, channels], `${name}/toflat`, INT8_VERSION.RESHAPE);
      return;
    }
    case 'relu':
      g.op({ op: BuiltinOperator.RELU, version: INT8_VERSION.RELU, inputs: [x], outputs: [out] });
      return;
    case 'leaky_relu':
      g.op({ op: BuiltinOperator.LEAKY_RELU, version: INT8_VERSION.LEAKY_RELU, inputs: [x], outputs: [out], options: { kind: 'leaky_relu', alpha: op.alpha } });
      return;
    case 'pool':
      g.op({
        op: op.mode === 'max' ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D,
        version: INT8_VERSION.POOL,
        inputs: [x],
        outputs: [out],
        options: { kind: 'pool2d', padding: op.padding, strideH: op.stride, strideW: op.stride, filterH: op.size, filterW: op.size },
      });
      return;
    case 'mean': {
      const axes = g.int32Constant(`${name}/axes`, [1, 2]);
      g.op({ op: BuiltinOperator.MEAN, version: INT8_VERSION.MEAN, inputs: [x, axes], outputs: [out], options: { kind: 'reducer', keepDims: false } });
      return;
    }
    case 'reshape':
      reshape(g, x, out, [1, ...op.out], name, INT8_VERSION.RESHAPE);
      return;
    case 'dense': {
      const q = quantizeWeightsPerTensor(op.weights);
      const w = g.constant(`${name}/weights`, TensorType.INT8, op.weights.shape, q.data, { scale: [q.scale], zeroPoint: [0] });
      const bias = quantizeBias(op.bias, op.bias.length, xQuant.scale, q.scale);
      // Per-tensor weights take a per-tensor bias (one scale): Arm NN rejects a per-axis bias here.
      const b = g.constant(`${name}/bias`, TensorType.INT32, [op.bias.length], bias.data, {
        scale: [bias.scales[0]!],
        zeroPoint: [0],
      });
      g.op({
        op: BuiltinOperator.FULLY_CONNECTED,
        version: INT8_VERSION.FULLY_CONNECTED,
        inputs: [x, w, b],
        outputs: [out],
        options: { kind: 'fully_connected', activation: op.relu ? 'relu' : 'none' },
      });
      return;
    }
  }
}

/** Symmetric per-channel int8 weights along `axis` plus the matching int32 bias (scale s_in·s_w[c]). */
function perChannelWeights(
  g: TfliteGraphBuilder,
  name: string,
  weights: { shape: number[]; data: Float32Array },
  axis: number,
  bias: Float32Array,
  inputScale: number,
): { w: number; b: number } {
  const q = quantizeWeightsPerChannel(weights, axis);
  const channels = q.scales.length;
  const zeros = new Array<number>(channels).fill(0);
  const w = g.constant(`${name}/weights`, TensorType.INT8, weights.shape, q.data, {
    scale: [...q.scales],
    zeroPoint: zeros,
    quantizedDimension: axis,
  });
  const qb = quantizeBias(bias, channels, inputScale, q.scales);
  const b = g.constant(`${name}/bias`, TensorType.INT32, [channels], qb.data, { scale: [...qb.scales], zeroPoint: zeros, quantizedDimension: 0 });
  return { w, b };
}
