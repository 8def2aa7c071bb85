/**
 * Reference inference in plain TypeScript, float64 throughout. It is the ground truth that every
 * exported file is compared with, so it favours obviously-correct loops over speed.
 */
import { HypertxError } from './errors.js';
import type { BatchNormLayer, Conv2dLayer, DenseLayer, Layer, Pool2dLayer, StandaloneCnn } from './ir.js';
import { windowPadding } from './padding.js';
import { validate, type ActivationShape, type ShapeTrace } from './validate.js';

export interface ReferenceOutputs {
  /** `[count, classes]` row-major. */
  logits: Float64Array;
  /** Softmax of the logits, `[count, classes]`. */
  probabilities: Float64Array;
  shape: [number, number];
}

/** One activation batch: `count` items of `shape` (NHWC or flat), row-major. */
export interface Activation {
  data: Float64Array;
  shape: ActivationShape;
}

/** Called after the normalised input (`layerIndex` -1) and after every layer. */
export type ActivationObserver = (layerIndex: number, activation: Activation) => void;

function checkPixels(model: StandaloneCnn, pixels: Float32Array, count: number): void {
  const { height, width, channels } = model.input;
  if (!Number.isInteger(count) || count < 1) {
    throw new HypertxError('E_INPUT_SIZE', `image count is ${count}; it must be a positive integer`, { kind: 'usage' });
  }
  const expected = count * height * width * channels;
  if (!(pixels instanceof Float32Array) || pixels.length !== expected) {
    throw new HypertxError(
      'E_INPUT_SIZE',
      `pixels have ${pixels?.length ?? 0} values, but ${count} image(s) of ${height}x${width}x${channels} need ${expected}`,
      { kind: 'input', hint: 'Pass raw 0..255 pixels, NHWC, resized to the model input size.' },
    );
  }
}

export function normalizeInput(model: StandaloneCnn, pixels: Float32Array, count: number): Float64Array {
  const { channels, normalization } = model.input;
  const out = new Float64Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    out[i] = pixels[i]! * normalization.scale[c]! + normalization.offset[c]!;
  }
  void count;
  return out;
}

function conv2d(x: Float64Array, count: number, inShape: [number, number, number], layer: Conv2dLayer, outShape: [number, number, number]): Float64Array {
  const [ih, iw, cin] = inShape;
  const [oh, ow, cout] = outShape;
  const [kh, kw] = layer.weights.shape as [number, number, number, number];
  const padH = windowPadding(ih, kh, layer.stride, layer.padding);
  const padW = windowPadding(iw, kw, layer.stride, layer.padding);
  const w = layer.weights.data;
  const bias = layer.bias?.data;
  const out = new Float64Array(count * oh * ow * cout);
  const acc = new Float64Array(cout);
  for (let n = 0; n < count; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = bias ? bias[co]! : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * layer.stride + ky - padH.before;
          if (iy < 0 || iy >= ih) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * layer.stride + kx - padW.before;
            if (ix < 0 || ix >= iw) continue;
            const xBase = ((n * ih + iy) * iw + ix) * cin;
            const wBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xBase + ci]!;
              const wRow = wBase + ci * cout;
              for (let co = 0; co < cout; co++) acc[co] += xv * w[wRow + co]!;
            }
          }
        }
        out.set(acc, ((n * oh + oy) * ow + ox) * cout);
      }
    }
  }
  return out;
}

function pool2d(x: Float64Array, count: number, inShape: [number, number, number], layer: Pool2dLayer, outShape: [number, number, number]): Float64Array {
  const [ih, iw, c] = inShape;
  const [oh, ow] = outShape;
  const padH = windowPadding(ih, layer.size, layer.stride, layer.padding);
  const padW = windowPadding(iw, layer.size, layer.stride, layer.padding);
  const isMax = layer.type === 'maxpool2d';
  const out = new Float64Array(count * oh * ow * c);
  for (let n = 0; n < count; n++) {
    for (let oy = 0; oy < oh; oy++) {
      // Padded cells are ignored (max) or not counted (average), as in TensorFlow.
      const y0 = Math.max(oy * layer.stride - padH.before, 0);
      const y1 = Math.min(oy * layer.stride - padH.before + layer.size, ih);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = Math.max(ox * layer.stride - padW.before, 0);
        const x1 = Math.min(ox * layer.stride - padW.before + layer.size, iw);
        const cells = (y1 - y0) * (x1 - x0);
        for (let ch = 0; ch < c; ch++) {
          let acc = isMax ? -Infinity : 0;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const v = x[((n * ih + iy) * iw + ix) * c + ch]!;
              acc = isMax ? Math.max(acc, v) : acc + v;
            }
          }
          out[((n * oh + oy) * ow + ox) * c + ch] = isMax ? acc : acc / cells;
        }
      }
    }
  }
  return out;
}

function batchNorm(x: Float64Array, layer: BatchNormLayer): Float64Array {
  const channels = layer.mean.shape[0]!;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    out[i] =
      ((x[i]! - layer.mean.data[c]!) / Math.sqrt(layer.variance.data[c]! + layer.epsilon)) * layer.gamma.data[c]! +
      layer.beta.data[c]!;
  }
  return out;
}

function globalAvgPool(x: Float64Array, count: number, inShape: [number, number, number]): Float64Array {
  const [h, w, c] = inShape;
  const out = new Float64Array(count * c);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) out[n * c + ch] += x[(n * h * w + p) * c + ch]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i]! /= h * w;
  return out;
}

function dense(x: Float64Array, count: number, layer: DenseLayer): Float64Array {
  const [fin, fout] = layer.weights.shape as [number, number];
  const w = layer.weights.data;
  const out = new Float64Array(count * fout);
  for (let n = 0; n < count; n++) {
    for (let o = 0; o < fout; o++) out[n * fout + o] = layer.bias ? layer.bias.data[o]! : 0;
    for (let i = 0; i < fin; i++) {
      const xv = x[n * fin + i]!;
      for (let o = 0; o < fout; o++) out[n * fout + o] += xv * w[i * fout + o]!;
    }
  }
  return out;
}

/** Numerically stable softmax over the last axis of `[rows, width]`. */
export function softmaxRows(x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / width; r++) {
    let max = -Infinity;
    for (let i = 0; i < width; i++) max = Math.max(max, x[r * width + i]!);
    let sum = 0;
    for (let i = 0; i < width; i++) {
      const e = Math.exp(x[r * width + i]! - max);
      out[r * width + i] = e;
      sum += e;
    }
    for (let i = 0; i < width; i++) out[r * width + i]! /= sum;
  }
  return out;
}

function applyLayer(layer: Layer, x: Float64Array, count: number, inShape: ActivationShape, outShape: ActivationShape): Float64Array {
  switch (layer.type) {
    case 'conv2d':
      return conv2d(x, count, inShape as [number, number, number], layer, outShape as [number, number, number]);
    case 'batchnorm':
      return batchNorm(x, layer);
    case 'relu':
      return x.map((v) => (v > 0 ? v : 0));
    case 'leaky_relu':
      return x.map((v) => (v >= 0 ? v : v * layer.alpha));
    case 'maxpool2d':
    case 'avgpool2d':
      return pool2d(x, count, inShape as [number, number, number], layer, outShape as [number, number, number]);
    case 'global_avg_pool':
      return globalAvgPool(x, count, inShape as [number, number, number]);
    case 'flatten':
      return x; // NHWC row-major is already the flattened (h, w, c) order.
    case 'dense':
      return dense(x, count, layer);
    case 'softmax':
      return softmaxRows(x, outShape[0]!);
  }
}

/**
 * Runs every layer on a batch and reports each activation to `observe`. Returns the logits
 * (the input of a trailing softmax, or the last output). `trace` skips re-validation.
 */
export function forwardPass(
  model: StandaloneCnn,
  pixels: Float32Array,
  count: number,
  observe?: ActivationObserver,
  trace: ShapeTrace = validate(model),
): Activation {
  checkPixels(model, pixels, count);
  let shape: ActivationShape = trace.input;
  let x = normalizeInput(model, pixels, count);
  observe?.(-1, { data: x, shape });
  let logits: Activation | undefined;
  model.layers.forEach((layer, index) => {
    if (layer.type === 'softmax') logits = { data: x, shape };
    const outShape = trace.layerOutputs[index]!;
    x = applyLayer(layer, x, count, shape, outShape);
    shape = outShape;
    observe?.(index, { data: x, shape });
  });
  return logits ?? { data: x, shape };
}

/**
 * Float64 reference inference on RAW pixels (0..255, NHWC, `count` images); applies the model's
 * input normalisation. Validates the model first.
 */
export function runReference(model: StandaloneCnn, pixels: Float32Array, count: number): ReferenceOutputs {
  const trace = validate(model);
  const logits = forwardPass(model, pixels, count, undefined, trace).data;
  return {
    logits,
    probabilities: softmaxRows(logits, trace.classes),
    shape: [count, trace.classes],
  };
}
