/**
 * Reads a .tflite file back (structure only) with the flatbuffers ByteBuffer and the slot
 * constants of schema.ts, and checks the invariants hypertx promises for every file it writes.
 * Used by tests, by the runner (to find I/O quantisation) and by `hypertx inspect`.
 */
import { ByteBuffer } from 'flatbuffers';
import { TfliteFormatError } from './errors.js';
import {
  BUFFER_ALIGNMENT,
  BUILTIN_OPERATOR_NAMES,
  BuiltinOperator,
  BuiltinOptionsType,
  Slot,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  vtableOffset,
} from './schema.js';

export interface TfliteBufferInfo {
  /** File offset of the first payload byte, or null for an empty buffer. */
  dataOffset: number | null;
  length: number;
}

export interface TfliteOperatorCodeInfo {
  deprecatedBuiltinCode: number;
  builtinCode: number;
  version: number;
  /** Operator name, from max(deprecated, builtin) as current readers do. */
  name: string;
}

export interface TfliteQuantizationInfo {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensorInfo {
  name: string;
  shape: number[];
  shapeSignature: number[] | null;
  type: number;
  buffer: number;
  quantization: TfliteQuantizationInfo | null;
}

export interface TfliteOperatorInfo {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** Decoded scalar options for the option tables hypertx writes (strides, beta, ...). */
  options: Record<string, number>;
}

export interface TfliteSignatureInfo {
  key: string;
  inputs: { name: string; tensor: number }[];
  outputs: { name: string; tensor: number }[];
}

export interface TfliteInfo {
  byteLength: number;
  identifier: string;
  version: number;
  description: string | null;
  buffers: TfliteBufferInfo[];
  operatorCodes: TfliteOperatorCodeInfo[];
  subgraphCount: number;
  /** Subgraph 0 (main). */
  tensors: TfliteTensorInfo[];
  operators: TfliteOperatorInfo[];
  inputs: number[];
  outputs: number[];
  metadata: { name: string; buffer: number }[];
  signatures: TfliteSignatureInfo[];
}

/**
 * A table reader: absolute position of a table plus typed field accessors by slot. The
 * flatbuffers ByteBuffer does not bounds-check (reads past the end give 0), so every position
 * is checked here and a truncated or corrupt file fails with E_TFLITE_MALFORMED.
 */
class TableReader {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {
    inBounds(bb, pos, 4, 'table');
    const vtable = pos - bb.readInt32(pos);
    inBounds(bb, vtable, 4, 'vtable');
    inBounds(bb, vtable, bb.readUint16(vtable), 'vtable');
  }

  private field(slot: number, size = 4): number {
    const o = this.bb.__offset(this.pos, vtableOffset(slot));
    if (o) inBounds(this.bb, this.pos + o, size, 'field');
    return o;
  }
  has(slot: number): boolean {
    return this.field(slot, 1) !== 0;
  }
  int8(slot: number, fallback = 0): number {
    const o = this.field(slot, 1);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }
  int32(slot: number, fallback = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }
  uint32(slot: number, fallback = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readUint32(this.pos + o) : fallback;
  }
  float32(slot: number, fallback = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readFloat32(this.pos + o) : fallback;
  }
  string(slot: number): string | null {
    const v = this.vector(slot, 1);
    return v ? new TextDecoder().decode(this.bb.bytes().subarray(v.start, v.start + v.length)) : null;
  }
  table(slot: number): TableReader | null {
    const o = this.field(slot);
    return o ? new TableReader(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }
  /** Start (absolute) and length of a vector field, or null. */
  vector(slot: number, elementSize = 4): { start: number; length: number } | null {
    const o = this.field(slot);
    if (!o) return null;
    inBounds(this.bb, this.pos + o, 4, 'vector offset');
    const at = this.pos + o + this.bb.readUint32(this.pos + o);
    inBounds(this.bb, at, 4, 'vector length');
    const v = { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
    inBounds(this.bb, v.start, v.length * elementSize, 'vector');
    return v;
  }
  bytesOf(slot: number): { start: number; length: number } | null {
    return this.vector(slot, 1);
  }
  tables(slot: number): TableReader[] {
    const v = this.vector(slot);
    if (!v) return [];
    return Array.from(
      { length: v.length },
      (_, i) => new TableReader(this.bb, this.bb.__indirect(v.start + 4 * i)),
    );
  }
  int32s(slot: number): number[] {
    const v = this.vector(slot);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i)) : [];
  }
  float32s(slot: number): number[] {
    const v = this.vector(slot);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i)) : [];
  }
  int64s(slot: number): number[] {
    const v = this.vector(slot, 8);
    return v
      ? Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + 8 * i)))
      : [];
  }
}

function inBounds(bb: ByteBuffer, pos: number, size: number, what: string): void {
  if (!(pos >= 0 && size >= 0 && pos + size <= bb.capacity())) {
    throw new TfliteFormatError(`TFLite ${what} at byte ${pos} (+${size}) lies outside the ${bb.capacity()}-byte file`);
  }
}

/** Parses the structure of a .tflite file. Throws E_TFLITE_MALFORMED on unreadable bytes. */
export function inspectTflite(bytes: Uint8Array): TfliteInfo {
  if (bytes.length < 8) {
    throw new TfliteFormatError(`TFLite file is ${bytes.length} bytes; too short to hold a header`);
  }
  try {
    return readModel(bytes);
  } catch (err) {
    if (err instanceof TfliteFormatError) throw err;
    throw new TfliteFormatError(`TFLite file could not be parsed: ${(err as Error).message}`, err);
  }
}

function readModel(bytes: Uint8Array): TfliteInfo {
  const bb = new ByteBuffer(bytes);
  const identifier = String.fromCharCode(...bytes.subarray(4, 8));
  const rootPos = bb.readUint32(0);
  if (rootPos + 4 > bytes.length) {
    throw new TfliteFormatError(`TFLite root offset ${rootPos} lies past the end of the file`);
  }
  const model = new TableReader(bb, rootPos);
  const M = Slot.Model;

  const buffers = model.tables(M.buffers).map((buf): TfliteBufferInfo => {
    const data = buf.bytesOf(Slot.Buffer.data);
    return data && data.length > 0
      ? { dataOffset: data.start, length: data.length }
      : { dataOffset: null, length: 0 };
  });

  const operatorCodes = model.tables(M.operator_codes).map((c): TfliteOperatorCodeInfo => {
    const deprecatedBuiltinCode = c.int8(Slot.OperatorCode.deprecated_builtin_code);
    const builtinCode = c.int32(Slot.OperatorCode.builtin_code);
    const code = Math.max(deprecatedBuiltinCode, builtinCode);
    return {
      deprecatedBuiltinCode,
      builtinCode,
      version: c.int32(Slot.OperatorCode.version, 1),
      name: BUILTIN_OPERATOR_NAMES[code] ?? `BUILTIN_${code}`,
    };
  });

  const subgraphs = model.tables(M.subgraphs);
  const main = subgraphs[0];
  const tensors = main ? main.tables(Slot.SubGraph.tensors).map(readTensor) : [];
  const operators = main ? main.tables(Slot.SubGraph.operators).map(readOperator) : [];

  return {
    byteLength: bytes.length,
    identifier,
    version: model.uint32(M.version),
    description: model.string(M.description),
    buffers,
    operatorCodes,
    subgraphCount: subgraphs.length,
    tensors,
    operators,
    inputs: main ? main.int32s(Slot.SubGraph.inputs) : [],
    outputs: main ? main.int32s(Slot.SubGraph.outputs) : [],
    metadata: model.tables(M.metadata).map((m) => ({
      name: m.string(Slot.Metadata.name) ?? '',
      buffer: m.uint32(Slot.Metadata.buffer),
    })),
    signatures: model.tables(M.signature_defs).map((s) => ({
      key: s.string(Slot.SignatureDef.signature_key) ?? '',
      inputs: s.tables(Slot.SignatureDef.inputs).map(readTensorMap),
      outputs: s.tables(Slot.SignatureDef.outputs).map(readTensorMap),
    })),
  };
}

function readTensorMap(t: TableReader): { name: string; tensor: number } {
  return { name: t.string(Slot.TensorMap.name) ?? '', tensor: t.uint32(Slot.TensorMap.tensor_index) };
}

function readTensor(t: TableReader): TfliteTensorInfo {
  const S = Slot.Tensor;
  const q = t.table(S.quantization);
  const Q = Slot.QuantizationParameters;
  const quantization =
    q && q.has(Q.scale)
      ? {
          scale: q.float32s(Q.scale),
          zeroPoint: q.int64s(Q.zero_point),
          quantizedDimension: q.int32(Q.quantized_dimension),
        }
      : null;
  return {
    name: t.string(S.name) ?? '',
    shape: t.int32s(S.shape),
    shapeSignature: t.has(S.shape_signature) ? t.int32s(S.shape_signature) : null,
    type: t.int8(S.type),
    buffer: t.uint32(S.buffer),
    quantization,
  };
}

function readOperator(o: TableReader): TfliteOperatorInfo {
  const S = Slot.Operator;
  const optionsType = o.int8(S.builtin_options_type);
  const table = o.table(S.builtin_options);
  const options: Record<string, number> = {};
  if (table) {
    const read = (fields: Record<string, number>, kinds: Record<string, 'i8' | 'i32' | 'f32'>) => {
      for (const [name, kind] of Object.entries(kinds)) {
        const slot = fields[name];
        if (slot === undefined) continue;
        options[name] =
          kind === 'i8' ? table.int8(slot) : kind === 'i32' ? table.int32(slot) : table.float32(slot);
      }
    };
    switch (optionsType) {
      case BuiltinOptionsType.Conv2DOptions:
        read(Slot.Conv2DOptions, {
          padding: 'i8',
          stride_w: 'i32',
          stride_h: 'i32',
          fused_activation_function: 'i8',
          dilation_w_factor: 'i32',
          dilation_h_factor: 'i32',
        });
        break;
      case BuiltinOptionsType.DepthwiseConv2DOptions:
        read(Slot.DepthwiseConv2DOptions, {
          padding: 'i8',
          stride_w: 'i32',
          stride_h: 'i32',
          depth_multiplier: 'i32',
          fused_activation_function: 'i8',
        });
        break;
      case BuiltinOptionsType.Pool2DOptions:
        read(Slot.Pool2DOptions, {
          padding: 'i8',
          stride_w: 'i32',
          stride_h: 'i32',
          filter_width: 'i32',
          filter_height: 'i32',
        });
        break;
      case BuiltinOptionsType.SoftmaxOptions:
        read(Slot.SoftmaxOptions, { beta: 'f32' });
        break;
      case BuiltinOptionsType.LeakyReluOptions:
        read(Slot.LeakyReluOptions, { alpha: 'f32' });
        break;
      case BuiltinOptionsType.FullyConnectedOptions:
        read(Slot.FullyConnectedOptions, { fused_activation_function: 'i8', keep_num_dims: 'i8' });
        break;
      case BuiltinOptionsType.ReducerOptions:
        read(Slot.ReducerOptions, { keep_dims: 'i8' });
        break;
    }
  }
  return {
    opcodeIndex: o.uint32(S.opcode_index),
    inputs: o.int32s(S.inputs),
    outputs: o.int32s(S.outputs),
    optionsType,
    options,
  };
}

/** Payload of a named `Model.metadata` entry, or null when absent. */
export function readTfliteMetadata(bytes: Uint8Array, name: string): Uint8Array | null {
  const info = inspectTflite(bytes);
  const entry = info.metadata.find((m) => m.name === name);
  const buffer = entry ? info.buffers[entry.buffer] : undefined;
  if (!buffer || buffer.dataOffset === null) return null;
  return bytes.slice(buffer.dataOffset, buffer.dataOffset + buffer.length);
}

/**
 * Checks the invariants of a well-formed file (the ones hypertx guarantees and that real
 * runtimes or old readers depend on). Returns human-readable problems; empty means OK.
 */
export function tfliteInvariantProblems(info: TfliteInfo): string[] {
  const problems: string[] = [];
  if (info.identifier !== TFLITE_FILE_IDENTIFIER) {
    problems.push(`file identifier is "${info.identifier}", expected "${TFLITE_FILE_IDENTIFIER}"`);
  }
  if (info.version !== TFLITE_SCHEMA_VERSION) {
    problems.push(`schema version is ${info.version}, expected ${TFLITE_SCHEMA_VERSION}`);
  }
  if (info.buffers.length === 0) problems.push('buffers is empty; buffers[0] must be an empty sentinel');
  else if (info.buffers[0]?.dataOffset !== null) problems.push('buffers[0] holds data; it must be empty');
  info.buffers.forEach((b, i) => {
    if (b.dataOffset !== null && b.dataOffset % BUFFER_ALIGNMENT !== 0) {
      problems.push(`buffers[${i}] payload starts at file offset ${b.dataOffset}, not 16-byte aligned`);
    }
  });
  info.operatorCodes.forEach((c, i) => {
    const expected = Math.min(c.builtinCode, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES);
    if (c.deprecatedBuiltinCode !== expected) {
      problems.push(
        `operator_codes[${i}] deprecated_builtin_code is ${c.deprecatedBuiltinCode}, expected min(builtin_code ${c.builtinCode}, 127) = ${expected}`,
      );
    }
    if (c.version < 1) problems.push(`operator_codes[${i}] version is ${c.version}`);
  });
  if (info.subgraphCount < 1) problems.push('model has no subgraph');
  info.tensors.forEach((t, i) => {
    if (t.buffer >= info.buffers.length) {
      problems.push(`tensor ${i} ("${t.name}") refers to buffer ${t.buffer} of ${info.buffers.length}`);
    }
  });
  info.operators.forEach((op, i) => {
    if (op.opcodeIndex >= info.operatorCodes.length) {
      problems.push(`operator ${i} uses opcode_index ${op.opcodeIndex} of ${info.operatorCodes.length}`);
    }
    for (const t of [...op.inputs, ...op.outputs]) {
      if (t < -1 || t >= info.tensors.length) problems.push(`operator ${i} refers to tensor ${t}`);
    }
    if (
      op.optionsType === BuiltinOptionsType.Conv2DOptions ||
      op.optionsType === BuiltinOptionsType.DepthwiseConv2DOptions ||
      op.optionsType === BuiltinOptionsType.Pool2DOptions
    ) {
      if (!(op.options['stride_w']! > 0 && op.options['stride_h']! > 0)) {
        problems.push(`operator ${i} has stride ${op.options['stride_h']}x${op.options['stride_w']}`);
      }
    }
    if (op.optionsType === BuiltinOptionsType.SoftmaxOptions && op.options['beta'] !== 1) {
      problems.push(`operator ${i} (SOFTMAX) has beta ${op.options['beta']}`);
    }
  });
  for (const m of info.metadata) {
    if (m.buffer >= info.buffers.length) problems.push(`metadata "${m.name}" refers to buffer ${m.buffer}`);
  }
  return problems;
}

/**
 * Parameters as `countParameters` of @hypertx/export defines them, read from the graph: CONV_2D and
 * FULLY_CONNECTED weights plus one bias per output channel; a DEPTHWISE_CONV_2D (a BatchNorm kept as
 * a per-channel affine map) 2 per channel, except the one that normalises the input (it reads the
 * model input, directly or through QUANTIZE). Shape tensors and quantisation parameters don't count.
 */
export function tfliteParameterCount(info: TfliteInfo): number {
  const opName = (op: TfliteOperatorInfo) => info.operatorCodes[op.opcodeIndex]?.name;
  const inputs = new Set(info.inputs);
  for (const op of info.operators) if (opName(op) === 'QUANTIZE' && inputs.has(op.inputs[0]!)) inputs.add(op.outputs[0]!);
  let total = 0;
  for (const op of info.operators) {
    const weights = info.tensors[op.inputs[1] ?? -1]?.shape;
    if (!weights) continue;
    const size = weights.reduce((n, d) => n * d, 1);
    const name = opName(op);
    // CONV_2D weights are OHWI and FULLY_CONNECTED weights [out, in]: the first axis is the output channels.
    if (name === 'CONV_2D' || name === 'FULLY_CONNECTED') total += size + weights[0]!;
    else if (name === 'DEPTHWISE_CONV_2D' && !inputs.has(op.inputs[0]!)) total += 2 * size;
  }
  return total;
}
