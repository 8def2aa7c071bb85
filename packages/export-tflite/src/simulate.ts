/**
 * Interprets a TfliteGraph (what exportTflite serialises) in float64, one image at a time. int8
 * tensors are simulated by rounding each operator's real-valued output to its (scale, zero point)
 * and clamping to [-128, 127] ("fake quantisation"); constants are dequantised from their stored
 * integers. This is what the file is meant to compute: LiteRT's int8 output equals it (0–1 output
 * step) except where its kernels round differently (AVERAGE_POOL_2D, LEAKY_RELU: measured up to
 * 6 steps in deep random networks), whereas the float reference differs by the quantisation error
 * of the whole network. Verification of an int8 file can therefore compare against this.
 */
import { HypertxError, type ExportOptions, type RunOutputs, type StandaloneCnn } from '@hypertx/export';
import type { GraphOperator, GraphTensor, TfliteGraph } from './graph.js';
import { BuiltinOperator, TensorType } from './schema.js';
import { buildTfliteGraph, type TflitePrecision } from './tflite-format.js';

/**
 * The outputs the file `exportTflite(model, precision, options)` should produce for `count` raw
 * 0..255 NHWC images, computed from the same graph in float64 (int8 tensors rounded to their
 * grids). Same options → same graph, so this is an exact expectation for the written file.
 */
export function expectedTfliteOutputs(
  model: StandaloneCnn,
  precision: TflitePrecision,
  options: ExportOptions,
  pixels: Float32Array,
  count: number,
): RunOutputs {
  const graph = buildTfliteGraph(model, precision, options);
  const size = model.input.height * model.input.width * model.input.channels;
  if (!Number.isInteger(count) || count < 1 || pixels.length !== count * size) {
    throw new HypertxError('E_INPUT_SIZE', `pixels have ${pixels.length} values, but ${count} image(s) of ${model.input.height}x${model.input.width}x${model.input.channels} need ${count * size}`, {
      kind: 'input',
      hint: 'Pass raw 0..255 pixels, NHWC, resized to the model input size.',
    });
  }
  const classes = model.labels.length;
  const logits = new Float32Array(count * classes);
  const probabilities = new Float32Array(count * classes);
  for (let n = 0; n < count; n++) {
    const out = simulateGraph(graph, pixels.subarray(n * size, (n + 1) * size));
    logits.set(out.logits, n * classes);
    probabilities.set(out.probabilities, n * classes);
  }
  return { logits, probabilities, shape: [count, classes] };
}

type Values = Float64Array;

function dequantizeConstant(t: GraphTensor): Values {
  const data = t.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(count);
  const q = t.quantization;
  const axis = q?.quantizedDimension ?? 0;
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (q && q.scale.length > 1 ? Math.floor(i / inner) % t.shape[axis]! : 0);
  for (let i = 0; i < count; i++) {
    switch (t.type) {
      case TensorType.FLOAT32:
        out[i] = view.getFloat32(4 * i, true);
        break;
      case TensorType.INT32:
        out[i] = view.getInt32(4 * i, true);
        break;
      case TensorType.INT8:
        out[i] = view.getInt8(i);
        break;
      default:
        throw new Error(`simulator: constant type ${t.type}`);
    }
    if (q && t.type !== TensorType.FLOAT32) {
      const c = channelOf(i);
      out[i] = (out[i]! - (q.zeroPoint[c] ?? 0)) * q.scale[c]!;
    }
  }
  return out;
}

/** Rounds real values onto an int8 tensor's grid (and back to reals). */
function fakeQuantize(x: Values, t: GraphTensor): Values {
  if (t.type !== TensorType.INT8) return t.type === TensorType.FLOAT32 ? x.map(Math.fround) : x;
  const scale = t.quantization!.scale[0]!;
  const zp = t.quantization!.zeroPoint[0]!;
  return x.map((v) => (Math.min(127, Math.max(-128, Math.round(v / scale) + zp)) - zp) * scale);
}

function pad(inSize: number, k: number, stride: number, padding: 'same' | 'valid'): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / stride) + 1, before: 0 };
  const out = Math.ceil(inSize / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + k - inSize, 0) / 2) };
}

export function simulateGraph(graph: TfliteGraph, image: Float32Array): { logits: Float64Array; probabilities: Float64Array } {
  const values = new Map<number, Values>();
  graph.tensors.forEach((t, i) => {
    if (t.data) values.set(i, dequantizeConstant(t));
  });
  const inputIndex = graph.inputs[0]!;
  const input = graph.tensors[inputIndex]!;
  let x0: Values = Float64Array.from(image);
  if (input.type === TensorType.INT8) x0 = fakeQuantize(x0, input);
  values.set(inputIndex, x0);
  for (const op of graph.operators) {
    const out = graph.tensors[op.outputs[0]!]!;
    values.set(op.outputs[0]!, fakeQuantize(runOp(graph, op, values), out));
  }
  const read = (name: string) => values.get(graph.signature.outputs.find((o) => o.name === name)!.tensor)!;
  return { logits: read('logits'), probabilities: read('probabilities') };
}

function runOp(graph: TfliteGraph, op: GraphOperator, values: Map<number, Values>): Values {
  const get = (k: number) => values.get(op.inputs[k]!)!;
  const shape = (k: number) => graph.tensors[op.inputs[k]!]!.shape;
  const outShape = graph.tensors[op.outputs[0]!]!.shape;
  const o = op.options;
  const relu = (v: number) => (o && 'activation' in o && o.activation === 'relu' ? Math.max(0, v) : v);
  switch (op.op) {
    case BuiltinOperator.QUANTIZE:
    case BuiltinOperator.DEQUANTIZE:
    case BuiltinOperator.RESHAPE:
      return get(0);
    case BuiltinOperator.RELU:
      return get(0).map((v) => Math.max(0, v));
    case BuiltinOperator.LEAKY_RELU: {
      const alpha = o?.kind === 'leaky_relu' ? o.alpha : 0;
      return get(0).map((v) => (v >= 0 ? v : Math.fround(alpha) * v));
    }
    case BuiltinOperator.CONV_2D: {
      if (o?.kind !== 'conv2d') throw new Error('conv options');
      const [, ih, iw, cin] = shape(0) as [number, number, number, number];
      const [cout, kh, kw] = shape(1) as [number, number, number, number];
      const ph = pad(ih, kh, o.strideH, o.padding);
      const pw = pad(iw, kw, o.strideW, o.padding);
      const x = get(0), w = get(1), b = get(2);
      const y = new Float64Array(ph.out * pw.out * cout);
      for (let oy = 0; oy < ph.out; oy++)
        for (let ox = 0; ox < pw.out; ox++)
          for (let co = 0; co < cout; co++) {
            let acc = b[co]!;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * o.strideH + ky - ph.before;
              if (iy < 0 || iy >= ih) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * o.strideW + kx - pw.before;
                if (ix < 0 || ix >= iw) continue;
                for (let ci = 0; ci < cin; ci++) acc += x[(iy * iw + ix) * cin + ci]! * w[((co * kh + ky) * kw + kx) * cin + ci]!;
              }
            }
            y[(oy * pw.out + ox) * cout + co] = relu(acc);
          }
      return y;
    }
    case BuiltinOperator.DEPTHWISE_CONV_2D: {
      const x = get(0), w = get(1), b = get(2);
      const channels = w.length;
      return x.map((v, i) => relu(v * w[i % channels]! + b[i % channels]!));
    }
    case BuiltinOperator.FULLY_CONNECTED: {
      const x = get(0), w = get(1), b = get(2);
      const fout = b.length;
      const fin = x.length;
      const y = new Float64Array(fout);
      for (let j = 0; j < fout; j++) {
        let acc = b[j]!;
        for (let i = 0; i < fin; i++) acc += x[i]! * w[j * fin + i]!;
        y[j] = relu(acc);
      }
      return y;
    }
    case BuiltinOperator.MAX_POOL_2D:
    case BuiltinOperator.AVERAGE_POOL_2D: {
      if (o?.kind !== 'pool2d') throw new Error('pool options');
      const [, ih, iw, c] = shape(0) as [number, number, number, number];
      const ph = pad(ih, o.filterH, o.strideH, o.padding);
      const pw = pad(iw, o.filterW, o.strideW, o.padding);
      const x = get(0);
      const y = new Float64Array(ph.out * pw.out * c);
      const isMax = op.op === BuiltinOperator.MAX_POOL_2D;
      for (let oy = 0; oy < ph.out; oy++)
        for (let ox = 0; ox < pw.out; ox++)
          for (let ch = 0; ch < c; ch++) {
            let acc = isMax ? -Infinity : 0;
            let n = 0;
            for (let ky = 0; ky < o.filterH; ky++)
              for (let kx = 0; kx < o.filterW; kx++) {
                const iy = oy * o.strideH + ky - ph.before;
                const ix = ox * o.strideW + kx - pw.before;
                if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                const v = x[(iy * iw + ix) * c + ch]!;
                acc = isMax ? Math.max(acc, v) : acc + v;
                n++;
              }
            y[(oy * pw.out + ox) * c + ch] = isMax ? acc : acc / n;
          }
      return y;
    }
    case BuiltinOperator.MEAN: {
      const [, h, w, c] = shape(0) as [number, number, number, number];
      const x = get(0);
      const y = new Float64Array(c);
      for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) y[ch]! += x[i * c + ch]!;
      return y.map((v) => v / (h * w));
    }
    case BuiltinOperator.SOFTMAX: {
      const x = get(0);
      const max = Math.max(...x);
      const e = x.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    }
    default:
      throw new Error(`simulator: operator ${op.op} (output shape ${outShape.join('x')})`);
  }
}
