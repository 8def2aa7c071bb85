/** Small helper that appends tensors and operators to a TfliteGraph under construction. */
import type { GraphOperator, GraphTensor, TensorQuantization, TfliteGraph } from './graph.js';
import { TensorType, type TensorTypeCode } from './schema.js';

export class TfliteGraphBuilder {
  readonly tensors: GraphTensor[] = [];
  readonly operators: GraphOperator[] = [];

  /** An activation tensor (no buffer). `shape` includes the batch dimension. */
  activation(name: string, type: TensorTypeCode, shape: number[], quantization?: TensorQuantization): number {
    const t: GraphTensor = { name, shape, type };
    if (quantization) t.quantization = quantization;
    return this.tensors.push(t) - 1;
  }

  /** A constant tensor with its little-endian payload. */
  constant(
    name: string,
    type: TensorTypeCode,
    shape: number[],
    values: Float32Array | Int32Array | Int8Array,
    quantization?: TensorQuantization,
  ): number {
    const data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    const t: GraphTensor = { name, shape, type, data };
    if (quantization) t.quantization = quantization;
    return this.tensors.push(t) - 1;
  }

  int32Constant(name: string, values: number[]): number {
    return this.constant(name, TensorType.INT32, [values.length], Int32Array.from(values));
  }

  op(operator: GraphOperator): void {
    this.operators.push(operator);
  }

  tensor(index: number): GraphTensor {
    const t = this.tensors[index];
    if (!t) throw new Error(`internal: no tensor ${index}`);
    return t;
  }

  finish(rest: Omit<TfliteGraph, 'tensors' | 'operators'>): TfliteGraph {
    return { ...rest, tensors: this.tensors, operators: this.operators };
  }
}
