/**
 * A TFLite graph as plain data: emit-float.ts / emit-int8.ts build it from the plan (plan.ts),
 * write-flatbuffer.ts serialises it and simulate.ts interprets it. Tensors are referred to by index.
 */
import type { BuiltinOperatorCode, TensorTypeCode } from './schema.js';

export interface TensorQuantization {
  /** One scale per tensor, or one per slice along `quantizedDimension`. */
  scale: number[];
  zeroPoint: number[];
  quantizedDimension?: number;
}

export interface GraphTensor {
  name: string;
  shape: number[];
  /** Written as `shape_signature` when present (e.g. `-1` for a dynamic batch). */
  shapeSignature?: number[];
  type: TensorTypeCode;
  /** Little-endian payload of a constant tensor; absent for activations. */
  data?: Uint8Array;
  quantization?: TensorQuantization;
}

export type Activation = 'none' | 'relu';
export type PaddingMode = 'same' | 'valid';

export type OperatorOptions =
  | { kind: 'conv2d'; padding: PaddingMode; strideH: number; strideW: number; activation: Activation }
  | { kind: 'depthwise_conv2d'; strideH: number; strideW: number; activation: Activation }
  | {
      kind: 'pool2d';
      padding: PaddingMode;
      strideH: number;
      strideW: number;
      filterH: number;
      filterW: number;
    }
  | { kind: 'fully_connected'; activation: Activation }
  | { kind: 'softmax'; beta: number }
  | { kind: 'reducer'; keepDims: boolean }
  | { kind: 'reshape'; newShape: number[] }
  | { kind: 'leaky_relu'; alpha: number }
  | { kind: 'mul'; activation: Activation }
  | { kind: 'add'; activation: Activation }
  | { kind: 'quantize' }
  | { kind: 'dequantize' };

export interface GraphOperator {
  op: BuiltinOperatorCode;
  /** Operator version (op_version.cc rules): 1 for float ops, higher for int8 kernels. */
  version: number;
  inputs: number[];
  outputs: number[];
  options?: OperatorOptions;
}

export interface SignatureTensor {
  name: string;
  tensor: number;
}

export interface TfliteGraph {
  description: string;
  tensors: GraphTensor[];
  /** In execution order. */
  operators: GraphOperator[];
  inputs: number[];
  outputs: number[];
  signature: { key: string; inputs: SignatureTensor[]; outputs: SignatureTensor[] };
  /** Named metadata buffers (`Model.metadata`). */
  metadata: { name: string; data: Uint8Array }[];
}
