/**
 * int8 quantisation maths in the TFLite conventions (used by the TFLite int8 plugin):
 * - activations: asymmetric per-tensor int8 in [-128, 127], range widened to include 0;
 * - weights: symmetric int8 in [-127, 127], zero point 0, per channel (conv) or per tensor (dense);
 * - bias: int32 with scale = input scale · weight scale, zero point 0;
 * - requantisation: real multiplier = int32 Q31 multiplier · 2^(shift − 31).
 * Scales are rounded to float32 here, because that is what the file stores and the runtime reads.
 */
import { HypertxError } from './errors.js';
import type { StandaloneCnn, Tensor } from './ir.js';
import { forwardPass } from './reference.js';

export interface QuantParams {
  /** float32-representable scale. */
  scale: number;
  zeroPoint: number;
}

export interface ValueRange {
  min: number;
  max: number;
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/**
 * Asymmetric params for a float range [min, max] (widened to include 0 so that 0 is exact, which
 * zero padding and ReLU need). An all-zero range gets scale 1 (and zero point qmin).
 */
export function activationQuantParams(min: number, max: number, qmin = INT8_MIN, qmax = INT8_MAX): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new HypertxError('E_QUANT_RANGE', `invalid calibration range [${min}, ${max}]`, { kind: 'internal' });
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi === lo ? 1 : Math.fround((hi - lo) / (qmax - qmin));
  const zeroPoint = Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/** Splits a positive real multiplier into a Q31 int32 and a power-of-two shift (TFLite's QuantizeMultiplier). */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (!Number.isFinite(real) || real < 0) {
    throw new HypertxError('E_QUANT_RANGE', `cannot quantise the multiplier ${real}`, { kind: 'internal' });
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  // frexp: real = q · 2^shift with q in [0.5, 1).
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  if (q >= 1) {
    q /= 2;
    shift += 1;
  } else if (q < 0.5) {
    q *= 2;
    shift -= 1;
  }
  let qFixed = Math.round(q * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: qFixed, shift };
}

export function quantizeValue(x: number, params: QuantParams, qmin = INT8_MIN, qmax = INT8_MAX): number {
  return Math.min(qmax, Math.max(qmin, Math.round(x / params.scale) + params.zeroPoint));
}

export function dequantizeValue(q: number, params: QuantParams): number {
  return (q - params.zeroPoint) * params.scale;
}

function symmetricScale(maxAbs: number): number {
  return maxAbs === 0 ? 1 : Math.fround(maxAbs / 127);
}

/**
 * Symmetric per-channel int8 weights: channel = the index along `channelAxis`
 * (3 for IR conv HWIO, 0 for TFLite OHWI). Zero points are all 0.
 */
export function quantizeWeightsPerChannel(tensor: Tensor, channelAxis: number): { data: Int8Array; scales: Float64Array } {
  const { shape, data } = tensor;
  if (!Number.isInteger(channelAxis) || channelAxis < 0 || channelAxis >= shape.length) {
    throw new HypertxError('E_QUANT_AXIS', `channel axis ${channelAxis} is out of range for shape [${shape.join(',')}]`, {
      kind: 'internal',
    });
  }
  const channels = shape[channelAxis]!;
  const inner = shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(data[i]!));
  }
  const scales = maxAbs.map(symmetricScale);
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    q[i] = Math.min(127, Math.max(-127, Math.round(data[i]! / scales[channelOf(i)]!)));
  }
  return { data: q, scales };
}

/** Symmetric per-tensor int8 weights (zero point 0). */
export function quantizeWeightsPerTensor(tensor: Tensor): { data: Int8Array; scale: number } {
  let maxAbs = 0;
  for (const v of tensor.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = symmetricScale(maxAbs);
  const q = new Int8Array(tensor.data.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.min(127, Math.max(-127, Math.round(tensor.data[i]! / scale)));
  return { data: q, scale };
}

/**
 * int32 bias for `channels` outputs with scale[c] = inputScale · weightScales[c] (or one weight scale
 * for all). A missing bias quantises to zeros.
 */
export function quantizeBias(
  bias: Float32Array | undefined,
  channels: number,
  inputScale: number,
  weightScales: ArrayLike<number> | number,
): { data: Int32Array; scales: Float64Array } {
  const scales = new Float64Array(channels);
  const data = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ws = typeof weightScales === 'number' ? weightScales : weightScales[c]!;
    scales[c] = Math.fround(inputScale * ws);
    const v = bias ? Math.round(bias[c]! / scales[c]!) : 0;
    data[c] = Math.min(2 ** 31 - 1, Math.max(-(2 ** 31), v));
  }
  return { data, scales };
}

export interface CalibrationRanges {
  /** Range of the normalised input (what the first layer sees). */
  input: ValueRange;
  /** Range of each IR layer's output, indexed like `model.layers`. */
  layers: ValueRange[];
}

/** Min/max of the normalised input and of every layer output over a calibration batch (raw 0..255 NHWC pixels). */
export function calibrateRanges(model: StandaloneCnn, pixels: Float32Array, count: number): CalibrationRanges {
  const layers: ValueRange[] = [];
  let input: ValueRange = { min: 0, max: 0 };
  forwardPass(model, pixels, count, (index, activation) => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of activation.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (index < 0) input = { min, max };
    else layers[index] = { min, max };
  });
  return { input, layers };
}
