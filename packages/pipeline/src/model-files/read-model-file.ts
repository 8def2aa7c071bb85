/**
 * Reads any model file hypertx writes (.onnx, .tflite, .hxcnn) into one summary, so `inspect` and
 * `verify` can treat the formats alike. Format readers are imported only for the format at hand.
 */
import { HypertxError, parseHypertxMetadata, readInputFile, type HypertxMetadata } from '@hypertx/export';

export interface ModelFileSummary {
  path: string;
  format: 'onnx' | 'tflite' | 'tflite-int8' | 'c-array' | 'hxcnn';
  bytes: number;
  /** The `hypertx` metadata entry (labels, input spec, producer), when the file has one. */
  metadata: HypertxMetadata | undefined;
  inputs: { name: string; shape: Array<number | string>; type: string }[];
  outputs: { name: string; shape: Array<number | string>; type: string }[];
  /** Operator (or IR layer) counts in first-seen order. */
  operators: Record<string, number>;
  /** The same count for the same network in every format: see `countParameters` in @hypertx/export. */
  parameters: number;
  /** Format-specific facts (opset, schema version, ...). */
  details: Record<string, string | number>;
  /** What is odd about the file but does not stop it being read (e.g. metadata keys this version does not know); absent when nothing is. */
  warnings?: string[];
}

export interface LoadedModelFile {
  summary: ModelFileSummary;
  bytes: Uint8Array;
  /** The plugin id that can run this file (for verify). */
  runnerFormat: string;
}

/** Reads a compiled model (`bytes`: its content, when the caller has read it already). */
export async function readModelFile(path: string, bytes?: Uint8Array): Promise<LoadedModelFile> {
  bytes ??= await readCompiledModel(path);
  const kind = sniff(bytes, path);
  if (kind === 'c-array') return readCArray(path, bytes);
  if (kind === 'tflite') return readTflite(path, bytes);
  if (kind === 'onnx') return readOnnx(path, bytes);
  return readHxcnn(path, bytes);
}

/** Regular files only, within the compiled-model size limit and a read timeout (readInputFile). */
async function readCompiledModel(path: string, what?: string): Promise<Uint8Array> {
  const bytes = await readInputFile(path, 'compiled-model', { ...(what ? { what } : {}), codes: { notFound: 'E_NOT_FOUND', read: 'E_NOT_FOUND' } });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decides the format from the content where possible (TFLite has an identifier), else the extension. */
function sniff(bytes: Uint8Array, path: string): 'tflite' | 'onnx' | 'hxcnn' | 'c-array' {
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3') return 'tflite';
  const lower = path.toLowerCase();
  if (lower.endsWith('.tflite')) return 'tflite';
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.hxcnn')) return 'hxcnn';
  if (lower.endsWith('.cc') || lower.endsWith('.h')) return 'c-array';
  throw new HypertxError('E_UNKNOWN_FORMAT', `${path}: not a model file hypertx knows (expected .onnx, .tflite, .hxcnn, or a C array .cc/.h)`, {
    kind: 'input',
    path,
  });
}

function countOps(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
  return counts;
}

async function readTflite(path: string, bytes: Uint8Array): Promise<LoadedModelFile> {
  const { inspectTflite, readTfliteMetadata, tfliteParameterCount } = await import('@hypertx/export-tflite');
  let info;
  try {
    info = inspectTflite(bytes);
  } catch (err) {
    throw new HypertxError('E_TFLITE_FILE', `${path}: not a readable TFLite model (${(err as Error).message})`, { kind: 'input', path, cause: err });
  }
  const raw = readTfliteMetadata(bytes, 'hypertx');
  const { metadata, warnings } = readMetadata(raw ? new TextDecoder().decode(raw) : undefined, path);
  const typeName = (t: number) => ({ 0: 'float32', 2: 'int32', 3: 'uint8', 9: 'int8' })[t] ?? `type ${t}`;
  const io = (ids: number[]) =>
    ids.map((id) => {
      const t = info.tensors[id];
      if (!t) throw new HypertxError('E_TFLITE_FILE', `${path}: not a readable TFLite model (its graph names tensor ${id}, one of ${info.tensors.length})`, { kind: 'input', path });
      return { name: t.name, shape: t.shapeSignature ?? t.shape, type: typeName(t.type) };
    });
  const signature = info.signatures[0];
  const named = (ids: number[], names: { name: string; tensor: number }[] | undefined) =>
    io(ids).map((v, i) => ({ ...v, name: names?.find((n) => n.tensor === ids[i])?.name ?? v.name }));
  const parameters = tfliteParameterCount(info);
  const int8 = info.tensors.some((t) => t.type === 9);
  return {
    bytes,
    runnerFormat: int8 ? 'tflite-int8' : 'tflite',
    summary: {
      path,
      format: int8 ? 'tflite-int8' : 'tflite',
      bytes: bytes.byteLength,
      metadata,
      inputs: named(info.inputs, signature?.inputs),
      outputs: named(info.outputs, signature?.outputs),
      operators: countOps(info.operators.map((op) => info.operatorCodes[op.opcodeIndex]?.name ?? '?')),
      parameters,
      details: { schemaVersion: info.version, subgraphs: info.subgraphCount, signatures: info.signatures.map((s) => s.key).join(', ') },
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

/**
 * A C array written by compile -f c-array: the .cc holds the .tflite bytes as a `{ 0x.., ... }`
 * initialiser (the .h only declares it, so a .h is read through its .cc). Summarised as the TFLite
 * model it holds; `bytes` stay the C source, which the c-array runner parses back.
 */
async function readCArray(file: string, bytes: Uint8Array): Promise<LoadedModelFile> {
  let sourcePath = file;
  let source = bytes;
  if (file.toLowerCase().endsWith('.h')) {
    sourcePath = file.replace(/\.h$/i, '.cc');
    source = await readCompiledModel(sourcePath, `C array (the source of the header ${file})`);
  }
  const { tfliteBytesFromSource } = await import('@hypertx/export-tflite');
  let tflite: Uint8Array;
  try {
    tflite = tfliteBytesFromSource(new TextDecoder().decode(source));
  } catch (err) {
    throw new HypertxError('E_C_ARRAY_PARSE', `${sourcePath}: no TFLite byte array in this C source (${(err as Error).message})`, { kind: 'input', path: sourcePath, cause: err });
  }
  const inner = await readTflite(sourcePath, tflite);
  return {
    bytes: source,
    runnerFormat: 'c-array',
    summary: {
      ...inner.summary,
      path: file,
      format: 'c-array',
      bytes: source.byteLength,
      details: { holds: inner.summary.format, tfliteBytes: tflite.byteLength, ...inner.summary.details },
    },
  };
}

async function readOnnx(path: string, bytes: Uint8Array): Promise<LoadedModelFile> {
  const { inspectOnnx } = await import('@hypertx/export-onnx');
  const info = inspectOnnx(bytes, path);
  const { metadata, warnings } = readMetadata(info.metadata['hypertx'], path);
  const withType = (v: { name: string; shape: Array<number | string> }) => ({ ...v, type: 'float32' });
  return {
    bytes,
    runnerFormat: 'onnx',
    summary: {
      path,
      format: 'onnx',
      bytes: bytes.byteLength,
      metadata,
      inputs: info.inputs.map(withType),
      outputs: info.outputs.map(withType),
      operators: countOps(info.operators),
      parameters: info.parameters,
      details: { irVersion: info.irVersion, opset: info.opset, producer: `${info.producerName} ${info.producerVersion}`.trim() },
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

async function readHxcnn(path: string, bytes: Uint8Array): Promise<LoadedModelFile> {
  const { countParameters, decodeCnn, hypertxMetadata, validate } = await import('@hypertx/export');
  const cnn = decodeCnn(bytes, path);
  const trace = validate(cnn);
  const parameters = countParameters(cnn);
  const { height, width, channels } = cnn.input;
  return {
    bytes,
    runnerFormat: 'hxcnn',
    summary: {
      path,
      format: 'hxcnn',
      bytes: bytes.byteLength,
      metadata: hypertxMetadata(cnn),
      inputs: [{ name: 'pixels', shape: ['N', height, width, channels], type: 'float32' }],
      outputs: [
        { name: 'logits', shape: ['N', cnn.labels.length], type: 'float32' },
        { name: 'probabilities', shape: ['N', cnn.labels.length], type: 'float32' },
      ],
      operators: countOps(cnn.layers.map((l) => l.type)),
      parameters,
      details: { layers: cnn.layers.length, classes: trace.classes },
    },
  };
}

/** The file's `hypertx` metadata, checked against its schema (a bad entry is an input error naming the file and field). */
function readMetadata(text: string | undefined, path: string): { metadata: HypertxMetadata | undefined; warnings: string[] } {
  if (text === undefined) return { metadata: undefined, warnings: [] };
  const { metadata, unknownKeys } = parseHypertxMetadata(text, path);
  const warnings = unknownKeys.length === 0 ? [] : [`the "hypertx" metadata has field${unknownKeys.length === 1 ? '' : 's'} this version does not know (ignored): ${unknownKeys.join(', ')}`];
  return { metadata, warnings };
}
