/**
 * The one place that imports onnx-proto (a CommonJS protobufjs static module), plus small
 * constructors for the protobuf messages the exporter writes.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type OnnxModel = onnxProto.onnx.IModelProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxAttribute = onnxProto.onnx.IAttributeProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;

export type AttributeValue = number | number[] | string | { float: number };

/** Integers become INT/INTS, `{ float }` FLOAT, strings STRING. */
export function attribute(name: string, value: AttributeValue): OnnxAttribute {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object') return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}

/** Little-endian float32 bytes (ONNX raw_data is always little-endian). */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  return { name, dims, dataType: FLOAT, rawData: float32Bytes(values) };
}

export function floatValueInfo(name: string, dims: Array<number | string>, docString?: string): OnnxValueInfo {
  return {
    name,
    ...(docString ? { docString } : {}),
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** int64 fields decode as protobufjs Long objects; this turns them back into numbers. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  return Number(String(value));
}
