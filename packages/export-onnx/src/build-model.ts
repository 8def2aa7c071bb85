/**
 * StandaloneCnn → ONNX ModelProto.
 *
 * File contract: input `pixels` float32 [N,H,W,C] raw 0..255 (N dynamic); the graph normalises
 * (Mul + Add per channel), transposes to NCHW for the convolutions, and transposes back to NHWC
 * before Flatten so the flattened order (h, w, c) matches the IR's dense weights. Outputs `logits`
 * and `probabilities` [N, classes]. The `hypertx` metadata entry carries hypertxMetadata(model).
 */
import {
  EXPORT_PACKAGE_VERSION,
  HypertxError,
  foldBatchNorm as foldBatchNormLayers,
  hypertxMetadata,
  validate,
  windowPadding,
  type ActivationShape,
  type Conv2dLayer,
  type DenseLayer,
  type ExportOptions,
  type Pool2dLayer,
  type StandaloneCnn,
} from '@hypertx/export';
import type { OnnxModelObject } from './model-object.js';
import { IR_VERSION, resolveOptions, type OnnxExportOptions } from './options.js';
import {
  attribute,
  floatTensor,
  floatValueInfo,
  onnx,
  type AttributeValue,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from './proto.js';

export const INPUT_NAME = 'pixels';
export const LOGITS_NAME = 'logits';
export const PROBABILITIES_NAME = 'probabilities';
export const METADATA_KEY = 'hypertx';

/** Collects nodes and initializers with unique, readable names. */
class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];

  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  node(opType: string, name: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    const output = `${name}_out`;
    this.nodes.push({
      opType,
      name,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** Renames the value `from` to `to` when the last node produced it, else adds an Identity. */
  nameOutput(from: string, to: string): void {
    const last = this.nodes[this.nodes.length - 1];
    if (last && last.output?.[0] === from) last.output = [to];
    else this.nodes.push({ opType: 'Identity', name: `${to}_identity`, input: [from], output: [to] });
  }
}

/** HWIO [kh,kw,ci,co] → OIHW [co,ci,kh,kw]. */
function hwioToOihw(layer: Conv2dLayer): Float32Array {
  const [kh, kw, ci, co] = layer.weights.shape as [number, number, number, number];
  const src = layer.weights.data;
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = src[((y * kw + x) * ci + i) * co + o]!;
  return out;
}

/** ONNX pads [top, left, bottom, right] for TF "same"/"valid" semantics (extra cell bottom/right). */
function onnxPads(inShape: ActivationShape, kh: number, kw: number, stride: number, padding: 'same' | 'valid'): number[] {
  const h = windowPadding(inShape[0]!, kh, stride, padding);
  const w = windowPadding(inShape[1]!, kw, stride, padding);
  return [h.before, w.before, h.after, w.after];
}

export interface BuiltOnnx {
  /** The ModelProto as a plain object (see model-object.ts for why it has a type of its own). */
  model: OnnxModelObject;
  opset: number;
  /** The (possibly BN-folded) IR that the graph expresses. */
  ir: StandaloneCnn;
}

/** Builds the ModelProto (validating first). Throws HypertxError before anything is produced. */
export function buildOnnxModel(source: StandaloneCnn, options: OnnxExportOptions | ExportOptions = {}): BuiltOnnx {
  const resolved = resolveOptions(options);
  validate(source);
  const model = resolved.foldBatchNorm ? foldBatchNormLayers(source) : source;
  const trace = validate(model);
  const { height, width, channels, normalization } = model.input;
  const g = new OnnxGraphBuilder();

  // Normalisation in NHWC (per-channel constants broadcast over the last axis), then to NCHW.
  let x = g.node('Mul', 'normalize_scale', [INPUT_NAME, g.constant('normalize_scale_c', [channels], normalization.scale)]);
  x = g.node('Add', 'normalize_offset', [x, g.constant('normalize_offset_c', [channels], normalization.offset)]);
  x = g.node('Transpose', 'to_nchw', [x], { perm: [0, 3, 1, 2] });

  let shape: ActivationShape = trace.input; // always reported NHWC-style ([H,W,C] or [F])
  model.layers.forEach((layer, index) => {
    const name = `layer${index}_${layer.type}`;
    const outShape = trace.layerOutputs[index]!;
    switch (layer.type) {
      case 'conv2d': {
        const [kh, kw, ci, co] = layer.weights.shape as [number, number, number, number];
        const inputs = [x, g.constant(`${name}_W`, [co, ci, kh, kw], hwioToOihw(layer))];
        if (layer.bias) inputs.push(g.constant(`${name}_B`, [co], layer.bias.data));
        x = g.node('Conv', name, inputs, {
          kernel_shape: [kh, kw],
          strides: [layer.stride, layer.stride],
          pads: onnxPads(shape, kh, kw, layer.stride, layer.padding),
          dilations: [1, 1],
          group: 1,
        });
        break;
      }
      case 'batchnorm': {
        const c = layer.mean.shape[0]!;
        x = g.node(
          'BatchNormalization',
          name,
          [
            x,
            g.constant(`${name}_gamma`, [c], layer.gamma.data),
            g.constant(`${name}_beta`, [c], layer.beta.data),
            g.constant(`${name}_mean`, [c], layer.mean.data),
            g.constant(`${name}_var`, [c], layer.variance.data),
          ],
          { epsilon: { float: layer.epsilon } },
        );
        break;
      }
      case 'relu':
        x = g.node('Relu', name, [x]);
        break;
      case 'leaky_relu':
        x = g.node('LeakyRelu', name, [x], { alpha: { float: layer.alpha } });
        break;
      case 'maxpool2d':
      case 'avgpool2d': {
        const pool = layer as Pool2dLayer;
        const attributes: Record<string, AttributeValue> = {
          kernel_shape: [pool.size, pool.size],
          strides: [pool.stride, pool.stride],
          pads: onnxPads(shape, pool.size, pool.size, pool.stride, pool.padding),
        };
        // TF "same" average pooling divides by the number of real (unpadded) cells.
        if (pool.type === 'avgpool2d') attributes.count_include_pad = 0;
        x = g.node(pool.type === 'maxpool2d' ? 'MaxPool' : 'AveragePool', name, [x], attributes);
        break;
      }
      case 'global_avg_pool':
        x = g.node('GlobalAveragePool', name, [x]);
        x = g.node('Flatten', `${name}_flatten`, [x], { axis: 1 });
        break;
      case 'flatten':
        if (shape.length === 3) {
          // Back to NHWC first: the IR flattens in (h, w, c) order.
          x = g.node('Transpose', `${name}_to_nhwc`, [x], { perm: [0, 2, 3, 1] });
          x = g.node('Flatten', name, [x], { axis: 1 });
        }
        break;
      case 'dense': {
        const dense = layer as DenseLayer;
        const [fin, fout] = dense.weights.shape as [number, number];
        // Gemm's C is optional only from opset 11, so always write one.
        const bias = dense.bias?.data ?? new Float32Array(fout);
        x = g.node('Gemm', name, [x, g.constant(`${name}_W`, [fin, fout], dense.weights.data), g.constant(`${name}_B`, [fout], bias)], {
          alpha: { float: 1 },
          beta: { float: 1 },
          transA: 0,
          transB: 0,
        });
        break;
      }
      case 'softmax':
        break; // a trailing softmax marks the end of the logits; `probabilities` is added below
    }
    shape = outShape;
  });

  g.nameOutput(x, LOGITS_NAME);
  // Axis 1 of a 2-D tensor means the same in the old (coerce-to-2D) and the new (single-axis) Softmax.
  g.nodes.push({
    opType: 'Softmax',
    name: 'probabilities_softmax',
    input: [LOGITS_NAME],
    output: [PROBABILITIES_NAME],
    attribute: [attribute('axis', 1)],
  });

  const classes = trace.classes;
  const metadata = hypertxMetadata(source);
  const proto: OnnxModel = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: resolved.opset }],
    producerName: 'hypertx',
    producerVersion: EXPORT_PACKAGE_VERSION,
    domain: 'ai.hypertx',
    modelVersion: 1,
    docString: `hypertx CNN: raw pixels [N,${height},${width},${channels}] (0..255) → logits/probabilities [N,${classes}] for ${model.labels.length} labels`,
    graph: {
      name: 'hypertx_cnn',
      node: g.nodes,
      initializer: g.initializers,
      input: [floatValueInfo(INPUT_NAME, ['N', height, width, channels], 'raw pixel values 0..255, NHWC; the model normalises them')],
      output: [
        floatValueInfo(LOGITS_NAME, ['N', classes], `class scores, in the order of the "labels" in the hypertx metadata`),
        floatValueInfo(PROBABILITIES_NAME, ['N', classes], 'softmax of the logits'),
      ],
    },
    metadataProps: [{ key: METADATA_KEY, value: JSON.stringify(metadata) }],
  };
  // Every field is built from numbers, strings and bytes above, so the plain shape is exact.
  return { model: proto as unknown as OnnxModelObject, opset: resolved.opset, ir: model };
}

/** Encodes a StandaloneCnn as ONNX bytes. */
export function encodeOnnx(model: StandaloneCnn, options: OnnxExportOptions | ExportOptions = {}): Uint8Array {
  const proto = buildOnnxModel(model, options).model as OnnxModel;
  const problem = onnx.ModelProto.verify(proto);
  if (problem) {
    throw new HypertxError('E_ONNX_INTERNAL', `the ONNX ModelProto built for this model does not verify: ${problem}`, { kind: 'internal' });
  }
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}
