/**
 * The ONNX ModelProto that `buildOnnxModel` returns, as the plain object it is (onnx-proto's field
 * names, only the fields hypertx writes). Declared here rather than taken from onnx-proto so that
 * the package's public types do not reach protobufjs, whose generated typings use a global `Long`
 * that a consumer compiling with `skipLibCheck: false` (and no `@types/long` in scope) cannot find.
 */
export interface OnnxModelObject {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: OnnxGraphObject;
  metadataProps: { key: string; value: string }[];
}

export interface OnnxGraphObject {
  name: string;
  node: OnnxNodeObject[];
  initializer: OnnxTensorObject[];
  input: OnnxValueInfoObject[];
  output: OnnxValueInfoObject[];
}

export interface OnnxNodeObject {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttributeObject[];
}

/** `type` is onnx's AttributeProto.AttributeType (INT 2, FLOAT 1, STRING 3, INTS 7). */
export interface OnnxAttributeObject {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

/** `dataType` is onnx's TensorProto.DataType (FLOAT 1); `rawData` little-endian. */
export interface OnnxTensorObject {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface OnnxValueInfoObject {
  name: string;
  docString?: string;
  type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue: number } | { dimParam: string }> } } };
}
