/**
 * The `.hxcnn` single-file format, safetensors-style so other tools can read it:
 *
 *   u64 little-endian N | N bytes UTF-8 JSON header (space-padded to a multiple of 8) | tensor data
 *
 * Header: `{"format":"hypertx-cnn","version":1,"model":{input,labels,metadata,layers},"tensors":{...}}`.
 * Layers refer to tensors by name; `tensors[name] = {dtype:"F32", shape, data_offsets:[start,end]}`
 * with offsets relative to the start of the data section. Data is raw little-endian float32.
 */
import { describeValue } from './describe-value.js';
import { HypertxError } from './errors.js';
import type { Layer, StandaloneCnn, Tensor } from './ir.js';
import { validate } from './validate.js';

export const HXCNN_FORMAT = 'hypertx-cnn';
export const HXCNN_VERSION = 1;
export const HXCNN_EXTENSION = '.hxcnn';

/** Headers larger than this are not hxcnn files (guards against reading garbage as a length). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

interface TensorEntry {
  dtype: 'F32';
  shape: number[];
  data_offsets: [number, number];
}

const TENSOR_FIELDS = ['weights', 'bias', 'mean', 'variance', 'gamma', 'beta'] as const;
type TensorField = (typeof TENSOR_FIELDS)[number];

/** Serialises a (validated) model. Tensor bytes are copied bit-exactly. */
export function encodeCnn(model: StandaloneCnn): Uint8Array {
  validate(model);
  const tensors: Record<string, TensorEntry> = {};
  const blobs: Float32Array[] = [];
  let offset = 0;
  const layers = model.layers.map((layer, index) => {
    const entry: Record<string, unknown> = { ...layer };
    for (const field of TENSOR_FIELDS) {
      const tensor = (layer as Partial<Record<TensorField, Tensor>>)[field];
      if (tensor === undefined) continue;
      const name = `layers.${index}.${field}`;
      const bytes = tensor.data.length * 4;
      tensors[name] = { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
      blobs.push(tensor.data);
      offset += bytes;
      entry[field] = name;
    }
    return entry;
  });
  const header = {
    format: HXCNN_FORMAT,
    version: HXCNN_VERSION,
    model: { input: model.input, labels: model.labels, metadata: model.metadata, layers },
    tensors,
  };
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    json += ' '.repeat(padded - headerBytes.length);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const data of blobs) {
    for (let i = 0; i < data.length; i++, pos += 4) view.setFloat32(pos, data[i]!, true);
  }
  return out;
}

function fileError(code: string, message: string, sourceName: string | undefined, hint?: string): HypertxError {
  const where = sourceName ? `${sourceName}: ` : '';
  return new HypertxError(code, where + message, {
    kind: 'input',
    hint: hint ?? 'The file is not a valid .hxcnn model; re-export it with hypertx.',
    ...(sourceName ? { path: sourceName } : {}),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses `.hxcnn` bytes into a validated StandaloneCnn. `sourceName` (a path) goes into error messages. */
export function decodeCnn(bytes: Uint8Array, sourceName?: string): StandaloneCnn {
  const bad = (message: string, hint?: string) => fileError('E_CNN_FILE', message, sourceName, hint);
  if (bytes.length < 8) {
    throw bad(`the file is truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES) || headerLength < 2n || bytes[8] !== 0x7b /* '{' */) {
    throw bad(`not a ${HXCNN_FORMAT} file: the first 8 bytes do not announce a JSON header`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw bad(`the file is truncated: the header announces ${n} bytes, but only ${bytes.length - 8} follow`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw bad(`the JSON header is malformed (${(err as Error).message})`);
  }
  if (!isObject(header) || header.format !== HXCNN_FORMAT) {
    throw bad(`not a ${HXCNN_FORMAT} file: header.format is ${describeValue(isObject(header) ? header.format : header)}`);
  }
  const version = header.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw bad(`header.version is ${describeValue(version)}; it must be a positive integer`);
  }
  if (version > HXCNN_VERSION) {
    throw fileError(
      'E_CNN_VERSION',
      `written by a newer hypertx (format v${version}); this build reads v${HXCNN_VERSION} — upgrade @hypertx/export`,
      sourceName,
      'Upgrade @hypertx/export (or the hypertx CLI) to read this file.',
    );
  }
  const model = header.model;
  const tensors = header.tensors;
  if (!isObject(model) || !Array.isArray(model.layers) || !isObject(tensors)) {
    throw bad('the header has no "model.layers" array or no "tensors" object');
  }
  const data = bytes.subarray(8 + n);
  const readTensor = (name: unknown, where: string): Tensor => {
    if (typeof name !== 'string' || !Object.hasOwn(tensors, name)) {
      throw bad(`${where} refers to tensor ${describeValue(name)}, which the header does not list`);
    }
    const entry = tensors[name];
    if (!isObject(entry) || entry.dtype !== 'F32') {
      throw bad(`tensor "${name}" has dtype ${describeValue(isObject(entry) ? entry.dtype : undefined)}; only "F32" is supported`);
    }
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw bad(`tensor "${name}" has an invalid shape ${describeValue(shape)}`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]
    ) {
      throw bad(`tensor "${name}" has invalid data_offsets ${describeValue(offsets)}`);
    }
    const [start, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - start !== count * 4) {
      throw bad(`tensor "${name}" spans ${end - start} bytes, but shape ${describeValue(shape)} of F32 needs ${count * 4}`);
    }
    if (end > data.length) {
      throw bad(
        `the file is truncated or corrupt: tensor "${name}" ends at data byte ${end}, but the data section has ${data.length} bytes`,
      );
    }
    const values = new Float32Array(count);
    const dv = new DataView(data.buffer, data.byteOffset + start, end - start);
    for (let i = 0; i < count; i++) values[i] = dv.getFloat32(i * 4, true);
    return { shape: [...(shape as number[])], data: values };
  };
  const layers = model.layers.map((raw: unknown, index: number): Layer => {
    if (!isObject(raw)) throw bad(`model.layers[${index}] is not an object`);
    const layer: Record<string, unknown> = { ...raw };
    const type = typeof raw.type === 'string' && /^[\w-]{1,40}$/.test(raw.type) ? raw.type : describeValue(raw.type);
    for (const field of TENSOR_FIELDS) {
      if (raw[field] !== undefined) layer[field] = readTensor(raw[field], `layer ${index} (${type}) ${field}`);
    }
    return layer as unknown as Layer;
  });
  const cnn = {
    input: model.input,
    labels: model.labels,
    metadata: model.metadata,
    layers,
  } as StandaloneCnn;
  try {
    validate(cnn);
  } catch (err) {
    if (err instanceof HypertxError) {
      throw new HypertxError(err.code, (sourceName ? `${sourceName}: ` : '') + err.message, {
        kind: err.kind,
        ...(err.hint ? { hint: err.hint } : {}),
        ...(sourceName ? { path: sourceName } : {}),
        cause: err,
      });
    }
    throw err;
  }
  return cnn;
}
