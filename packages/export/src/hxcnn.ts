/**
 * The `.hxcnn` single-file format, safetensors-style so other tools can read it:
 *
 *   u64 little-endian N | N bytes UTF-8 JSON header (space-padded to a multiple of 8) | tensor data
 *
 * Header: `{"format":"hypertx-cnn","version":2,"sha256":"…","model":{input,labels,metadata,layers},"tensors":{...}}`.
 * Layers refer to tensors by name; `tensors[name] = {dtype:"F32", shape, data_offsets:[start,end]}`
 * with offsets relative to the start of the data section; the tensors tile the data section
 * exactly. Data is raw little-endian float32. `sha256` covers the whole file (sealed-container.ts).
 * Version 1 (no checksum) is refused with a hint to re-compile.
 */
import { describeValue } from './describe-value.js';
import { HypertxError } from './errors.js';
import type { Layer, StandaloneCnn, Tensor } from './ir.js';
import { assembleSealed, checkSeal, sealableHeader, tilingProblem } from './sealed-container.js';
import { validate } from './validate.js';

export const HXCNN_FORMAT = 'hypertx-cnn';
export const HXCNN_VERSION = 2;
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
  const header = sealableHeader(HXCNN_FORMAT, HXCNN_VERSION, {
    model: { input: model.input, labels: model.labels, metadata: model.metadata, layers },
    tensors,
  });
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  let pos = 0;
  for (const blob of blobs) {
    for (let i = 0; i < blob.length; i++, pos += 4) view.setFloat32(pos, blob[i]!, true);
  }
  return assembleSealed(HXCNN_FORMAT, HXCNN_VERSION, JSON.stringify(header), [data]);
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

/**
 * Throws unless the file's checksum matches; a data section shorter than the tensors claim is
 * reported as truncation, which says more than "checksum mismatch".
 */
function checkIntegrity(bytes: Uint8Array, tensors: Record<string, unknown>, dataLength: number, sourceName: string | undefined): void {
  const seal = checkSeal(bytes, HXCNN_FORMAT, HXCNN_VERSION);
  if (seal.status === 'intact') return;
  if (seal.status === 'unsealed') {
    throw fileError('E_CNN_FILE', `the header does not begin with format, version and sha256, as every v${HXCNN_VERSION} file hypertx writes does`, sourceName);
  }
  const needed = Math.max(0, ...Object.values(tensors).map((t) => (isObject(t) && Array.isArray(t.data_offsets) && typeof t.data_offsets[1] === 'number' ? t.data_offsets[1] : 0)));
  if (needed > dataLength) {
    throw fileError('E_CNN_FILE', `the file is truncated: the tensors need ${needed} data bytes, but only ${dataLength} follow the header`, sourceName);
  }
  throw fileError(
    'E_CNN_CHECKSUM',
    `checksum mismatch: the file changed after hypertx wrote it (header sha256 ${seal.stored.slice(0, 12)}…, content ${seal.actual.slice(0, 12)}…)`,
    sourceName,
    'Copy the file again, or re-compile the support set with `hypertx compile -f hxcnn`.',
  );
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
  if (version < HXCNN_VERSION) {
    throw fileError(
      'E_CNN_VERSION',
      `written by an older hypertx (format v${version}, without a checksum); this build reads v${HXCNN_VERSION} only`,
      sourceName,
      'Re-compile the support set with `hypertx compile -f hxcnn` to get a file with a checksum.',
    );
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
  checkIntegrity(bytes, tensors, data.length, sourceName);
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
  // After the layers, whose tensors have been checked one by one with precise messages.
  const spans = Object.entries(tensors).map(([name, entry]) => {
    const [begin, end] = (isObject(entry) && Array.isArray(entry.data_offsets) ? entry.data_offsets : [NaN, NaN]) as [number, number];
    return { name, begin, end };
  });
  const untiled = tilingProblem(spans, data.length);
  if (untiled) throw bad(`the tensors do not tile the data section: ${untiled}`);
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
