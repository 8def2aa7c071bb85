/**
 * The subset of the TFLite flatbuffer schema (`schema.fbs`, file identifier "TFL3") that hypertx
 * writes and reads, as plain constants.
 *
 * Flatbuffer fields are positional: a table field's vtable slot is its declaration index in
 * schema.fbs (deprecated fields and union `_type` companions keep their index), so every number
 * below mirrors the real schema's field ORDER. Enum values likewise mirror the schema's values.
 * Written from the format's documented facts; no generated or copied schema code.
 */

export const TFLITE_FILE_IDENTIFIER = 'TFL3';
export const TFLITE_SCHEMA_VERSION = 3;
/** `Buffer.data` is declared `(force_align: 16)`. */
export const BUFFER_ALIGNMENT = 16;

/** `enum TensorType : byte`. */
export const TensorType = {
  FLOAT32: 0,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  INT8: 9,
} as const;
export type TensorTypeCode = (typeof TensorType)[keyof typeof TensorType];

/** `enum BuiltinOperator : int32` (only the operators hypertx emits or names). */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RESHAPE: 22,
  SOFTMAX: 25,
  PADV2: 60,
  MEAN: 40,
  LEAKY_RELU: 98,
  QUANTIZE: 114,
  /** Value an old reader sees in `deprecated_builtin_code` for any code above 126. */
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
} as const;
export type BuiltinOperatorCode = (typeof BuiltinOperator)[keyof typeof BuiltinOperator];

/** Names for diagnostics (`inspectTflite`, error messages). */
export const BUILTIN_OPERATOR_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(BuiltinOperator).map(([name, code]) => [code, name]),
);

/** `union BuiltinOptions`: the type tag is the 1-based position of the table in the union. */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  ReducerOptions: 27,
  DequantizeOptions: 38,
  PadV2Options: 43,
  LeakyReluOptions: 75,
  QuantizeOptions: 89,
} as const;

/** `enum Padding : byte { SAME, VALID }`. */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** `enum ActivationFunctionType : byte`. */
export const ActivationFunction = { NONE: 0, RELU: 1 } as const;

/** Vtable slot (field index) of every field hypertx touches, table by table. */
export const Slot = {
  Model: {
    version: 0,
    operator_codes: 1,
    subgraphs: 2,
    description: 3,
    buffers: 4,
    metadata_buffer: 5,
    metadata: 6,
    signature_defs: 7,
    fieldCount: 8,
  },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, fieldCount: 5 },
  Tensor: {
    shape: 0,
    type: 1,
    buffer: 2,
    name: 3,
    quantization: 4,
    is_variable: 5,
    sparsity: 6,
    shape_signature: 7,
    has_rank: 8,
    fieldCount: 9,
  },
  QuantizationParameters: {
    min: 0,
    max: 1,
    scale: 2,
    zero_point: 3,
    details_type: 4,
    details: 5,
    quantized_dimension: 6,
    fieldCount: 7,
  },
  Buffer: { data: 0, offset: 1, size: 2, fieldCount: 3 },
  OperatorCode: {
    deprecated_builtin_code: 0,
    custom_code: 1,
    version: 2,
    builtin_code: 3,
    fieldCount: 4,
  },
  Operator: {
    opcode_index: 0,
    inputs: 1,
    outputs: 2,
    builtin_options_type: 3,
    builtin_options: 4,
    fieldCount: 5,
  },
  Metadata: { name: 0, buffer: 1, fieldCount: 2 },
  TensorMap: { name: 0, tensor_index: 1, fieldCount: 2 },
  SignatureDef: {
    inputs: 0,
    outputs: 1,
    signature_key: 2,
    deprecated_tag: 3,
    subgraph_index: 4,
    fieldCount: 5,
  },
  Conv2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    fused_activation_function: 3,
    dilation_w_factor: 4,
    dilation_h_factor: 5,
    fieldCount: 6,
  },
  DepthwiseConv2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    depth_multiplier: 3,
    fused_activation_function: 4,
    dilation_w_factor: 5,
    dilation_h_factor: 6,
    fieldCount: 7,
  },
  Pool2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    filter_width: 3,
    filter_height: 4,
    fused_activation_function: 5,
    fieldCount: 6,
  },
  FullyConnectedOptions: {
    fused_activation_function: 0,
    weights_format: 1,
    keep_num_dims: 2,
    asymmetric_quantize_inputs: 3,
    fieldCount: 4,
  },
  SoftmaxOptions: { beta: 0, fieldCount: 1 },
  AddOptions: { fused_activation_function: 0, fieldCount: 1 },
  MulOptions: { fused_activation_function: 0, fieldCount: 1 },
  ReshapeOptions: { new_shape: 0, fieldCount: 1 },
  ReducerOptions: { keep_dims: 0, fieldCount: 1 },
  LeakyReluOptions: { alpha: 0, fieldCount: 1 },
} as const;

/** Byte offset of a field's entry inside a vtable: 2 bytes each, after vtable size and object size. */
export function vtableOffset(slot: number): number {
  return 4 + 2 * slot;
}
