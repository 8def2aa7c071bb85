/**
 * Checkpoints in a safetensors-style container, so other tools can read them ('The IR and the
 * checkpoints are plain data' in docs/architecture.md):
 *
 *   [8-byte little-endian header length][JSON header, space-padded to 8 bytes][raw LE float32 data]
 *
 * header = { format: "hypertx-checkpoint", version: 1, kind, config, step, rng, optimizer, schedule,
 *            tensors: { name: { dtype: "F32", shape, data_offsets: [begin, end] } } }
 * Offsets are relative to the start of the data section, as in safetensors. Parameters are stored
 * per name (`params/<name>`), optimizer slots as flat vectors (`optimizer/<slot>`). A model file
 * for generation is the same container with `optimizer: null`. A BatchNorm prior (bn-prior.ts) is
 * stored as `bn_prior/mean/<block>` and `bn_prior/variance/<block>` with `bnPrior: { weight }`.
 *
 * Files are written atomically (temporary file + rename).
 */
import { readFile } from 'node:fs/promises';
import { type HyperTransformerConfig, channelsOf, configKey, validateConfig } from './config.js';
import { HypertxError, inputError } from './errors.js';
import { type EpisodicModel, type HyperTransformer, type ModelKind, modelFromValues } from './model/hypertransformer.js';
import type { BnPrior } from './model/bn-prior.js';
import { makeLayout, paramSpecs } from './model/params.js';
import { protoNetFromValues, protoNetSpecs } from './model/protonet.js';
import type { OptimizerState } from './train/optimizer.js';
import type { LrSchedule } from './train/schedule.js';
import { readAhead } from './read.js';
import { writeFileAtomic } from '@hypertx/export';

export const CHECKPOINT_FORMAT = 'hypertx-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TrainState {
  kind: ModelKind;
  config: HyperTransformerConfig;
  /** Flat parameter vector (layout order of the config). */
  params: Float32Array;
  /** Completed optimisation steps. */
  step: number;
  /** Seed of the episode source: episodes are a function of (step, seed), so a resumed run draws the same ones. */
  rng: { seed: number };
  optimizer: OptimizerState | null;
  schedule?: LrSchedule;
  /** Free-form string metadata (e.g. dataset, preset). */
  metadata?: Record<string, string>;
  /** Population BatchNorm statistics blended into support statistics (absent: support alone). */
  bnPrior?: BnPrior;
}

interface TensorEntry {
  dtype: 'F32';
  shape: number[];
  data_offsets: [number, number];
}

interface Header {
  format: string;
  version: number;
  kind: ModelKind;
  config: HyperTransformerConfig;
  step: number;
  rng: TrainState['rng'];
  optimizer: { name: string; hyper: Record<string, number>; t: number } | null;
  schedule?: LrSchedule;
  metadata?: Record<string, string>;
  bnPrior?: { weight: number; blocks: number };
  tensors: Record<string, TensorEntry>;
}

function specsFor(kind: ModelKind, config: HyperTransformerConfig) {
  return kind === 'protonet' ? protoNetSpecs(config) : paramSpecs(config);
}

/** Serialises a training state to bytes. */
export function encodeCheckpoint(state: TrainState): Uint8Array {
  const layout = makeLayout(specsFor(state.kind, state.config));
  if (state.params.length !== layout.total) throw inputError('E_CHECKPOINT_PARAMS', `params has ${state.params.length} values, the config needs ${layout.total}`);
  const tensors: Record<string, TensorEntry> = {};
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], data: Float32Array) => {
    tensors[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(data);
    offset += data.byteLength;
  };
  for (const e of layout.entries) add(`params/${e.name}`, e.shape, state.params.subarray(e.offset, e.offset + e.size));
  if (state.optimizer) for (const [slot, data] of Object.entries(state.optimizer.slots)) add(`optimizer/${slot}`, [data.length], data);
  if (state.bnPrior) {
    state.bnPrior.mean.forEach((m, l) => add(`bn_prior/mean/${l}`, [m.length], m));
    state.bnPrior.variance.forEach((v, l) => add(`bn_prior/variance/${l}`, [v.length], v));
  }
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: state.kind,
    config: state.config,
    step: state.step,
    rng: state.rng,
    optimizer: state.optimizer ? { name: state.optimizer.name, hyper: state.optimizer.hyper, t: state.optimizer.t } : null,
    ...(state.schedule ? { schedule: state.schedule } : {}),
    ...(state.metadata ? { metadata: state.metadata } : {}),
    ...(state.bnPrior ? { bnPrior: { weight: state.bnPrior.weight, blocks: state.bnPrior.mean.length } } : {}),
    tensors,
  };
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), pos); // float32 is LE on every platform Node supports
    pos += c.byteLength;
  }
  return out;
}

function corrupt(where: string, why: string): HypertxError {
  return inputError('E_CHECKPOINT_CORRUPT', `${where}: not a valid hypertx checkpoint (${why})`, { path: where, hint: 'the file may be truncated or from another tool; use an earlier checkpoint' });
}

/** Parses checkpoint bytes; `where` names the source in errors. */
export function decodeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): TrainState {
  if (bytes.length < 8) throw corrupt(where, `only ${bytes.length} bytes`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (headerLength <= 1 || 8 + headerLength > bytes.length) throw corrupt(where, `header length ${headerLength} exceeds the file size ${bytes.length}`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Header;
  } catch (err) {
    throw corrupt(where, `header is not JSON: ${(err as Error).message}`);
  }
  if (header?.format !== CHECKPOINT_FORMAT) throw corrupt(where, `format is ${JSON.stringify(header?.format)}`);
  if (header.version !== CHECKPOINT_VERSION) {
    throw inputError('E_CHECKPOINT_VERSION', `${where}: checkpoint version ${header.version} is not supported (this hypertx reads version ${CHECKPOINT_VERSION})`, { path: where });
  }
  const kind: ModelKind = header.kind ?? 'hypertransformer';
  if (kind !== 'hypertransformer' && kind !== 'protonet') throw corrupt(where, `unknown model kind ${JSON.stringify(kind)}`);
  try {
    validateConfig(header.config);
  } catch (err) {
    throw corrupt(where, `config: ${(err as Error).message}`);
  }
  const data = bytes.subarray(8 + headerLength);
  const read = (name: string, shape?: number[]): Float32Array => {
    const t = header.tensors?.[name];
    if (!t) throw corrupt(where, `tensor ${name} is missing`);
    const [b, e] = t.data_offsets ?? [];
    const count = (t.shape ?? []).reduce((a, c) => a * c, 1);
    if (t.dtype !== 'F32' || typeof b !== 'number' || typeof e !== 'number' || b < 0 || e > data.length || e - b !== count * 4 || b % 4 !== 0) {
      throw corrupt(where, `tensor ${name} has bad dtype/offsets (${t.dtype} ${JSON.stringify(t.data_offsets)}, data section ${data.length} bytes)`);
    }
    if (shape && JSON.stringify(shape) !== JSON.stringify(t.shape)) throw corrupt(where, `tensor ${name} has shape ${JSON.stringify(t.shape)}, the config needs ${JSON.stringify(shape)}`);
    const copy = new Uint8Array(e - b);
    copy.set(data.subarray(b, e));
    return new Float32Array(copy.buffer);
  };
  const layout = makeLayout(specsFor(kind, header.config));
  const params = new Float32Array(layout.total);
  for (const e of layout.entries) params.set(read(`params/${e.name}`, e.shape), e.offset);
  let optimizer: OptimizerState | null = null;
  if (header.optimizer) {
    const slots: Record<string, Float32Array> = {};
    for (const name of Object.keys(header.tensors)) if (name.startsWith('optimizer/')) slots[name.slice('optimizer/'.length)] = read(name);
    const optName = header.optimizer.name;
    if (optName !== 'sgd' && optName !== 'adam') throw corrupt(where, `unknown optimizer ${JSON.stringify(optName)}`);
    optimizer = { name: optName, hyper: header.optimizer.hyper, t: header.optimizer.t, slots };
  }
  let bnPrior: BnPrior | undefined;
  if (header.bnPrior) {
    const { weight, blocks } = header.bnPrior;
    if (typeof weight !== 'number' || !(weight >= 0) || blocks !== header.config.cnn.layers) {
      throw corrupt(where, `bnPrior ${JSON.stringify(header.bnPrior)} does not fit a ${header.config.cnn.layers}-block CNN`);
    }
    const indices = Array.from({ length: blocks }, (_, l) => l);
    bnPrior = {
      weight,
      mean: indices.map((l) => read(`bn_prior/mean/${l}`, [channelsOf(header.config, l)])),
      variance: indices.map((l) => read(`bn_prior/variance/${l}`, [channelsOf(header.config, l)])),
    };
  }
  return {
    kind,
    config: header.config,
    params,
    step: header.step,
    rng: header.rng,
    optimizer,
    ...(header.schedule ? { schedule: header.schedule } : {}),
    ...(header.metadata ? { metadata: header.metadata } : {}),
    ...(bnPrior ? { bnPrior } : {}),
  };
}

/** Writes a checkpoint atomically (temporary file + rename). */
export async function saveCheckpoint(path: string, state: TrainState): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(state));
}

export async function loadCheckpoint(path: string): Promise<TrainState> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw inputError('E_CHECKPOINT_READ', `cannot read checkpoint ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  return decodeCheckpoint(bytes, path);
}

/** Throws E_CHECKPOINT_CONFIG_MISMATCH when a checkpoint was made for another config. */
export function assertSameConfig(state: TrainState, config: HyperTransformerConfig, where = 'checkpoint'): void {
  if (configKey(state.config) !== configKey(config)) {
    const diff = Object.keys({ ...state.config, ...config }).filter((k) => JSON.stringify((state.config as unknown as Record<string, unknown>)[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k]));
    throw inputError('E_CHECKPOINT_CONFIG_MISMATCH', `${where} was trained with a different config (differs in: ${diff.join(', ')})`, { path: where, hint: 'resume with the config stored in the checkpoint, or start a new run' });
  }
}

/** Builds a model (HyperTransformer or ProtoNet) from a state. */
export function modelFromState(state: TrainState): EpisodicModel {
  const model = state.kind === 'protonet' ? protoNetFromValues(state.config, state.params) : modelFromValues(state.config, state.params);
  model.bnPrior = state.bnPrior ?? null;
  return model;
}

/** Saves weights only (a model file for generation; `optimizer: null`). */
export async function saveModel(path: string, model: EpisodicModel, metadata?: Record<string, string>): Promise<void> {
  await readAhead([model.params]); // values() reads synchronously
  await saveCheckpoint(path, {
    kind: model.kind,
    config: model.config,
    params: model.values(),
    step: 0,
    rng: { seed: 0 },
    optimizer: null,
    ...(metadata ? { metadata } : {}),
    ...(model.bnPrior ? { bnPrior: model.bnPrior } : {}),
  });
}

/** Loads a HyperTransformer for generation from a checkpoint or model file (path or bytes). */
export async function loadModel(pathOrBytes: string | Uint8Array): Promise<HyperTransformer> {
  const state = typeof pathOrBytes === 'string' ? await loadCheckpoint(pathOrBytes) : decodeCheckpoint(pathOrBytes, '<bytes>');
  if (state.kind !== 'hypertransformer') {
    throw inputError('E_MODEL_KIND', `${typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>'} holds a ${state.kind}, not a HyperTransformer`);
  }
  const model = modelFromValues(state.config, state.params);
  model.bnPrior = state.bnPrior ?? null;
  return model;
}
