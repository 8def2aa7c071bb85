/**
 * Serialises a TfliteGraph into .tflite bytes with direct flatbuffers.Builder calls.
 *
 * Invariants every file gets (checked back by inspect.ts): identifier "TFL3", schema version 3,
 * buffers[0] empty, each constant in its own buffer whose payload starts on a 16-byte file offset,
 * every OperatorCode with both `deprecated_builtin_code` (min(code,127)) and `builtin_code`, and
 * options written explicitly (strides and softmax beta have harmful schema defaults of 0).
 */
import { Builder } from 'flatbuffers';
import type { GraphOperator, GraphTensor, OperatorOptions, TfliteGraph } from './graph.js';
import {
  ActivationFunction,
  BUFFER_ALIGNMENT,
  BuiltinOperator,
  BuiltinOptionsType,
  Padding,
  Slot,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from './schema.js';

type Offset = number;

export function serializeTflite(graph: TfliteGraph): Uint8Array {
  const b = new Builder(4096);

  // Buffers: [0] is the empty sentinel, then one per constant tensor, then metadata payloads.
  const bufferPayloads: (Uint8Array | undefined)[] = [undefined];
  const tensorBuffer = graph.tensors.map((t) => {
    if (!t.data) return 0;
    bufferPayloads.push(t.data);
    return bufferPayloads.length - 1;
  });
  const metadataBuffer = graph.metadata.map((m) => {
    bufferPayloads.push(m.data);
    return bufferPayloads.length - 1;
  });
  const bufferOffsets = bufferPayloads.map((payload) => writeBuffer(b, payload));

  // Operator codes: one per distinct (builtin, version), in first-use order.
  const codeKeys: string[] = [];
  const codes: { op: number; version: number }[] = [];
  const opcodeIndex = graph.operators.map((op) => {
    const key = `${op.op}/${op.version}`;
    let index = codeKeys.indexOf(key);
    if (index < 0) {
      index = codeKeys.push(key) - 1;
      codes.push({ op: op.op, version: op.version });
    }
    return index;
  });
  const codeOffsets = codes.map((c) => writeOperatorCode(b, c.op, c.version));

  const tensorOffsets = graph.tensors.map((t, i) => writeTensor(b, t, tensorBuffer[i] ?? 0));
  const operatorOffsets = graph.operators.map((op, i) => writeOperator(b, op, opcodeIndex[i] ?? 0));

  const subgraphName = b.createString('main');
  const subgraphTensors = offsetVector(b, tensorOffsets);
  const subgraphInputs = int32Vector(b, graph.inputs);
  const subgraphOutputs = int32Vector(b, graph.outputs);
  const subgraphOperators = offsetVector(b, operatorOffsets);
  b.startObject(Slot.SubGraph.fieldCount);
  b.addFieldOffset(Slot.SubGraph.tensors, subgraphTensors, 0);
  b.addFieldOffset(Slot.SubGraph.inputs, subgraphInputs, 0);
  b.addFieldOffset(Slot.SubGraph.outputs, subgraphOutputs, 0);
  b.addFieldOffset(Slot.SubGraph.operators, subgraphOperators, 0);
  b.addFieldOffset(Slot.SubGraph.name, subgraphName, 0);
  const subgraph = b.endObject();

  const metadataOffsets = graph.metadata.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(Slot.Metadata.fieldCount);
    b.addFieldOffset(Slot.Metadata.name, name, 0);
    b.forceDefaults(true);
    b.addFieldInt32(Slot.Metadata.buffer, metadataBuffer[i] ?? 0, 0);
    b.forceDefaults(false);
    return b.endObject();
  });

  const signature = writeSignature(b, graph.signature);
  const description = b.createString(graph.description);
  const operatorCodesVec = offsetVector(b, codeOffsets);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const buffersVec = offsetVector(b, bufferOffsets);
  const metadataVec = offsetVector(b, metadataOffsets);
  const signaturesVec = offsetVector(b, [signature]);

  b.startObject(Slot.Model.fieldCount);
  b.addFieldInt32(Slot.Model.version, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(Slot.Model.operator_codes, operatorCodesVec, 0);
  b.addFieldOffset(Slot.Model.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(Slot.Model.description, description, 0);
  b.addFieldOffset(Slot.Model.buffers, buffersVec, 0);
  b.addFieldOffset(Slot.Model.metadata, metadataVec, 0);
  b.addFieldOffset(Slot.Model.signature_defs, signaturesVec, 0);
  const model = b.endObject();
  b.finish(model, TFLITE_FILE_IDENTIFIER);

  // A fresh copy: offset 0 of its own ArrayBuffer, so the 16-byte file alignment is also an
  // address alignment for loaders that map the bytes directly.
  return b.asUint8Array().slice();
}

function writeSignature(b: Builder, sig: TfliteGraph['signature']): Offset {
  const tensorMap = (entry: { name: string; tensor: number }): Offset => {
    const name = b.createString(entry.name);
    b.startObject(Slot.TensorMap.fieldCount);
    b.addFieldOffset(Slot.TensorMap.name, name, 0);
    b.forceDefaults(true);
    b.addFieldInt32(Slot.TensorMap.tensor_index, entry.tensor, 0);
    b.forceDefaults(false);
    return b.endObject();
  };
  const inputs = offsetVector(b, sig.inputs.map(tensorMap));
  const outputs = offsetVector(b, sig.outputs.map(tensorMap));
  const key = b.createString(sig.key);
  b.startObject(Slot.SignatureDef.fieldCount);
  b.addFieldOffset(Slot.SignatureDef.inputs, inputs, 0);
  b.addFieldOffset(Slot.SignatureDef.outputs, outputs, 0);
  b.addFieldOffset(Slot.SignatureDef.signature_key, key, 0);
  b.addFieldInt32(Slot.SignatureDef.subgraph_index, 0, 0);
  return b.endObject();
}

function writeBuffer(b: Builder, payload: Uint8Array | undefined): Offset {
  let data: Offset = 0;
  if (payload && payload.length > 0) {
    // Builder.createByteVector aligns to 4 only; `prep(16, n)` first puts the payload's first
    // byte on a 16-byte boundary (the builder aligns the finished buffer to its largest `prep`).
    b.prep(BUFFER_ALIGNMENT, payload.length);
    data = b.createByteVector(payload);
  }
  b.startObject(Slot.Buffer.fieldCount);
  if (data) b.addFieldOffset(Slot.Buffer.data, data, 0);
  return b.endObject();
}

function writeOperatorCode(b: Builder, op: number, version: number): Offset {
  b.startObject(Slot.OperatorCode.fieldCount);
  // Written even when equal to the schema default, so both fields are explicit in every file.
  b.forceDefaults(true);
  b.addFieldInt8(
    Slot.OperatorCode.deprecated_builtin_code,
    Math.min(op, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES),
    0,
  );
  b.addFieldInt32(Slot.OperatorCode.version, version, 1);
  b.addFieldInt32(Slot.OperatorCode.builtin_code, op, 0);
  b.forceDefaults(false);
  return b.endObject();
}

function writeTensor(b: Builder, t: GraphTensor, buffer: number): Offset {
  const name = b.createString(t.name);
  const shape = int32Vector(b, t.shape);
  const signature = t.shapeSignature ? int32Vector(b, t.shapeSignature) : 0;
  const quantization = t.quantization ? writeQuantization(b, t.quantization) : 0;
  b.startObject(Slot.Tensor.fieldCount);
  b.addFieldOffset(Slot.Tensor.shape, shape, 0);
  b.forceDefaults(true);
  b.addFieldInt8(Slot.Tensor.type, t.type, 0);
  b.addFieldInt32(Slot.Tensor.buffer, buffer, 0);
  b.forceDefaults(false);
  b.addFieldOffset(Slot.Tensor.name, name, 0);
  if (quantization) b.addFieldOffset(Slot.Tensor.quantization, quantization, 0);
  if (signature) b.addFieldOffset(Slot.Tensor.shape_signature, signature, 0);
  return b.endObject();
}

function writeQuantization(b: Builder, q: NonNullable<GraphTensor['quantization']>): Offset {
  const scale = float32Vector(b, q.scale);
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i] ?? 0));
  const zeroPoint = b.endVector();
  b.startObject(Slot.QuantizationParameters.fieldCount);
  b.addFieldOffset(Slot.QuantizationParameters.scale, scale, 0);
  b.addFieldOffset(Slot.QuantizationParameters.zero_point, zeroPoint, 0);
  b.addFieldInt32(Slot.QuantizationParameters.quantized_dimension, q.quantizedDimension ?? 0, 0);
  return b.endObject();
}

function writeOperator(b: Builder, op: GraphOperator, opcodeIndex: number): Offset {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const options = op.options ? writeOptions(b, op.options) : undefined;
  b.startObject(Slot.Operator.fieldCount);
  b.addFieldInt32(Slot.Operator.opcode_index, opcodeIndex, 0);
  b.addFieldOffset(Slot.Operator.inputs, inputs, 0);
  b.addFieldOffset(Slot.Operator.outputs, outputs, 0);
  if (options) {
    b.addFieldInt8(Slot.Operator.builtin_options_type, options.type, 0);
    b.addFieldOffset(Slot.Operator.builtin_options, options.offset, 0);
  }
  return b.endObject();
}

const PADDING = { same: Padding.SAME, valid: Padding.VALID } as const;
const ACTIVATION = { none: ActivationFunction.NONE, relu: ActivationFunction.RELU } as const;

/** Writes an options table; every field with a harmful or meaningful default is forced. */
function writeOptions(b: Builder, o: OperatorOptions): { type: number; offset: Offset } {
  b.forceDefaults(true);
  try {
    switch (o.kind) {
      case 'conv2d': {
        const s = Slot.Conv2DOptions;
        b.startObject(s.fieldCount);
        b.addFieldInt8(s.padding, PADDING[o.padding], 0);
        b.addFieldInt32(s.stride_w, o.strideW, 0);
        b.addFieldInt32(s.stride_h, o.strideH, 0);
        b.addFieldInt8(s.fused_activation_function, ACTIVATION[o.activation], 0);
        b.addFieldInt32(s.dilation_w_factor, 1, 1);
        b.addFieldInt32(s.dilation_h_factor, 1, 1);
        return { type: BuiltinOptionsType.Conv2DOptions, offset: b.endObject() };
      }
      case 'depthwise_conv2d': {
        // Only used as a 1x1 per-channel affine map: VALID, depth multiplier 1.
        const s = Slot.DepthwiseConv2DOptions;
        b.startObject(s.fieldCount);
        b.addFieldInt8(s.padding, Padding.VALID, 0);
        b.addFieldInt32(s.stride_w, o.strideW, 0);
        b.addFieldInt32(s.stride_h, o.strideH, 0);
        b.addFieldInt32(s.depth_multiplier, 1, 0);
        b.addFieldInt8(s.fused_activation_function, ACTIVATION[o.activation], 0);
        b.addFieldInt32(s.dilation_w_factor, 1, 1);
        b.addFieldInt32(s.dilation_h_factor, 1, 1);
        return { type: BuiltinOptionsType.DepthwiseConv2DOptions, offset: b.endObject() };
      }
      case 'pool2d': {
        const s = Slot.Pool2DOptions;
        b.startObject(s.fieldCount);
        b.addFieldInt8(s.padding, PADDING[o.padding], 0);
        b.addFieldInt32(s.stride_w, o.strideW, 0);
        b.addFieldInt32(s.stride_h, o.strideH, 0);
        b.addFieldInt32(s.filter_width, o.filterW, 0);
        b.addFieldInt32(s.filter_height, o.filterH, 0);
        b.addFieldInt8(s.fused_activation_function, ActivationFunction.NONE, 0);
        return { type: BuiltinOptionsType.Pool2DOptions, offset: b.endObject() };
      }
      case 'fully_connected': {
        const s = Slot.FullyConnectedOptions;
        b.startObject(s.fieldCount);
        b.addFieldInt8(s.fused_activation_function, ACTIVATION[o.activation], 0);
        b.addFieldInt8(s.weights_format, 0, 0);
        b.addFieldInt8(s.keep_num_dims, 0, 0);
        return { type: BuiltinOptionsType.FullyConnectedOptions, offset: b.endObject() };
      }
      case 'softmax':
        b.startObject(Slot.SoftmaxOptions.fieldCount);
        b.addFieldFloat32(Slot.SoftmaxOptions.beta, o.beta, 0);
        return { type: BuiltinOptionsType.SoftmaxOptions, offset: b.endObject() };
      case 'reducer':
        b.startObject(Slot.ReducerOptions.fieldCount);
        b.addFieldInt8(Slot.ReducerOptions.keep_dims, o.keepDims ? 1 : 0, 0);
        return { type: BuiltinOptionsType.ReducerOptions, offset: b.endObject() };
      case 'reshape': {
        b.forceDefaults(false);
        const newShape = int32Vector(b, o.newShape);
        b.startObject(Slot.ReshapeOptions.fieldCount);
        b.addFieldOffset(Slot.ReshapeOptions.new_shape, newShape, 0);
        return { type: BuiltinOptionsType.ReshapeOptions, offset: b.endObject() };
      }
      case 'leaky_relu':
        b.startObject(Slot.LeakyReluOptions.fieldCount);
        b.addFieldFloat32(Slot.LeakyReluOptions.alpha, o.alpha, 0);
        return { type: BuiltinOptionsType.LeakyReluOptions, offset: b.endObject() };
      case 'mul':
        b.startObject(Slot.MulOptions.fieldCount);
        b.addFieldInt8(Slot.MulOptions.fused_activation_function, ACTIVATION[o.activation], 0);
        return { type: BuiltinOptionsType.MulOptions, offset: b.endObject() };
      case 'add':
        b.startObject(Slot.AddOptions.fieldCount);
        b.addFieldInt8(Slot.AddOptions.fused_activation_function, ACTIVATION[o.activation], 0);
        return { type: BuiltinOptionsType.AddOptions, offset: b.endObject() };
      case 'quantize':
        b.startObject(0);
        return { type: BuiltinOptionsType.QuantizeOptions, offset: b.endObject() };
      case 'dequantize':
        b.startObject(0);
        return { type: BuiltinOptionsType.DequantizeOptions, offset: b.endObject() };
    }
  } finally {
    b.forceDefaults(false);
  }
}

function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] ?? 0);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] ?? 0);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] ?? 0);
  return b.endVector();
}
