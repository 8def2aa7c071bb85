/**
 * Checkpoints in a safetensors-style container, so other tools can read them ('The IR and the
 * checkpoints are plain data' in docs/architecture.md):
 *
 *   [8-byte little-endian header length][JSON header, space-padded to 8 bytes][raw LE float32 data]
 *
 * header = { format: "hypertx-checkpoint", version: 2, sha256, kind, config, step, rng, optimizer,
 *            schedule, metadata, bnPrior, tensors: { name: { dtype: "F32", shape, data_offsets: [begin, end] } } }
 * Offsets are relative to the start of the data section, as in safetensors, and the tensors tile
 * it exactly. Parameters are stored per name (`params/<name>`), optimizer slots as flat vectors
 * (`optimizer/<slot>`). A model file for generation is the same container with `optimizer: null`.
 * A BatchNorm prior (bn-prior.ts) is stored as `bn_prior/mean/<block>` and
 * `bn_prior/variance/<block>` with `bnPrior: { weight, blocks }`. `sha256` covers every byte of
 * the file (sealed-container.ts in @hypertx/export). Version 1 (no checksum) is read only by
 * upgradeCheckpoint, which re-writes it as version 2.
 *
 * Files are written atomically (temporary file + rename).
 */
import { type HyperTransformerConfig, configKey } from './config.js';
import { type CheckpointHeader, type TensorEntry, checkHeaderFields, expectedTensors, layoutOf, scheduleForHeader } from './checkpoint-header.js';
import { HypertxError, inputError, internalError } from './errors.js';
import { type EpisodicModel, type HyperTransformer, type ModelKind, modelFromValues } from './model/hypertransformer.js';
import type { BnPrior } from './model/bn-prior.js';
import { makeLayout, paramSpecs } from './model/params.js';
import { protoNetFromValues, protoNetSpecs } from './model/protonet.js';
import type { OptimizerState } from './train/optimizer.js';
import type { LrSchedule } from './train/schedule.js';
import { readAhead } from './read.js';
import { checkSupportShifts } from './support-shifts.js';
import { assembleSealed, checkSeal, describeValue, readInputFile, sealableHeader, tilingProblem, writeFileAtomic } from '@hypertx/export';

export const CHECKPOINT_FORMAT = 'hypertx-checkpoint';
export const CHECKPOINT_VERSION = 2;
/** The last version without a checksum: upgradeCheckpoint reads it. */
const UNSEALED_VERSION = 1;
/** Headers larger than this are not hypertx checkpoints (a model's header is a few kB). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

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

function specsFor(kind: ModelKind, config: HyperTransformerConfig) {
  return kind === 'protonet' ? protoNetSpecs(config) : paramSpecs(config);
}

/** Serialises a training state to bytes (sealed with its checksum). */
export function encodeCheckpoint(state: TrainState): Uint8Array {
  const layout = makeLayout(specsFor(state.kind, state.config));
  if (state.params.length !== layout.total) throw inputError('E_CHECKPOINT_PARAMS', `params has ${state.params.length} values, the config needs ${layout.total}`);
  const tensors: Record<string, TensorEntry> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], data: Float32Array) => {
    tensors[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // float32 is LE on every platform Node supports
    offset += data.byteLength;
  };
  for (const e of layout.entries) add(`params/${e.name}`, e.shape, state.params.subarray(e.offset, e.offset + e.size));
  if (state.optimizer) for (const [slot, data] of Object.entries(state.optimizer.slots)) add(`optimizer/${slot}`, [data.length], data);
  if (state.bnPrior) {
    state.bnPrior.mean.forEach((m, l) => add(`bn_prior/mean/${l}`, [m.length], m));
    state.bnPrior.variance.forEach((v, l) => add(`bn_prior/variance/${l}`, [v.length], v));
  }
  const header = sealableHeader(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, {
    kind: state.kind,
    config: state.config,
    step: state.step,
    rng: state.rng,
    optimizer: state.optimizer ? { name: state.optimizer.name, hyper: state.optimizer.hyper, t: state.optimizer.t } : null,
    ...(state.schedule ? { schedule: scheduleForHeader(state.schedule) } : {}),
    ...(state.metadata ? { metadata: state.metadata } : {}),
    ...(state.bnPrior ? { bnPrior: { weight: state.bnPrior.weight, blocks: state.bnPrior.mean.length } } : {}),
    tensors,
  });
  return assembleSealed(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, JSON.stringify(header), chunks);
}

function corrupt(where: string, why: string): HypertxError {
  return inputError('E_CHECKPOINT_CORRUPT', `${where}: not a valid hypertx checkpoint (${why})`, { path: where, hint: 'the file may be truncated or from another tool; use an earlier checkpoint' });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The parsed JSON header and where the data section starts; only the framing is checked here. */
function readFraming(bytes: Uint8Array, where: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) throw corrupt(where, `only ${bytes.length} bytes`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength < 2n || headerLength > BigInt(MAX_HEADER_BYTES) || 8 + Number(headerLength) > bytes.length) {
    throw corrupt(where, `header length ${headerLength} does not fit the file size ${bytes.length}`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    throw corrupt(where, `header is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(header) || header.format !== CHECKPOINT_FORMAT) throw corrupt(where, `format is ${describeValue(isObject(header) ? header.format : header)}`);
  return { header, dataStart };
}

/** Throws unless the checksum matches; data shorter than the tensors claim is reported as truncation. */
function checkIntegrity(bytes: Uint8Array, header: Record<string, unknown>, dataLength: number, where: string): void {
  const seal = checkSeal(bytes, CHECKPOINT_FORMAT, CHECKPOINT_VERSION);
  if (seal.status === 'intact') return;
  if (seal.status === 'unsealed') throw corrupt(where, `the header does not begin with format, version and sha256, as every v${CHECKPOINT_VERSION} file hypertx writes does`);
  const ends = isObject(header.tensors) ? Object.values(header.tensors).map((t) => (isObject(t) && Array.isArray(t.data_offsets) && typeof t.data_offsets[1] === 'number' ? t.data_offsets[1] : 0)) : [];
  const needed = Math.max(0, ...ends);
  if (needed > dataLength) throw corrupt(where, `the file is truncated: the tensors need ${needed} data bytes, only ${dataLength} follow the header`);
  throw inputError('E_CHECKPOINT_CHECKSUM', `${where}: checksum mismatch: the file changed after hypertx wrote it (header sha256 ${seal.stored.slice(0, 12)}…, content ${seal.actual.slice(0, 12)}…)`, {
    path: where,
    hint: 'copy the file again, or use an earlier checkpoint',
  });
}

function checkVersion(version: unknown, where: string, acceptUnsealed: boolean): void {
  if (version === CHECKPOINT_VERSION || (acceptUnsealed && version === UNSEALED_VERSION)) return;
  if (version === UNSEALED_VERSION) {
    throw inputError('E_CHECKPOINT_VERSION', `${where}: checkpoint version 1 has no checksum of its weights; this hypertx reads version ${CHECKPOINT_VERSION}`, {
      path: where,
      hint: `convert it once with \`hypertx upgrade ${where}\` (the weights stay bit-identical)`,
    });
  }
  throw inputError('E_CHECKPOINT_VERSION', `${where}: checkpoint version ${describeValue(version)} is not supported (this hypertx reads version ${CHECKPOINT_VERSION})`, { path: where });
}

/**
 * Checks each tensor entry against the shape the header's model calls for and that together they
 * tile the data section, all before anything is allocated.
 */
function checkTensors(header: CheckpointHeader, expected: Map<string, number[]>, dataLength: number, where: string): void {
  for (const name of Object.keys(header.tensors)) if (!expected.has(name)) throw corrupt(where, `tensor ${name} is not part of this ${header.kind} (its config, optimizer and prior)`);
  for (const [name, shape] of expected) {
    const t = header.tensors[name] as unknown;
    if (!isObject(t)) throw corrupt(where, `tensor ${name} is missing`);
    const extra = Object.keys(t).find((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra !== undefined) throw corrupt(where, `tensor ${name} has an unknown field ${describeValue(extra)}`);
    const sameShape = Array.isArray(t.shape) && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    if (!sameShape) throw corrupt(where, `tensor ${name} has shape ${describeValue(t.shape)}, the config needs ${describeValue(shape)}`);
    const [b, e] = Array.isArray(t.data_offsets) ? t.data_offsets : [];
    const bytes = shape.reduce((a, c) => a * c, 1) * 4;
    if (t.dtype !== 'F32' || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2 || !Number.isSafeInteger(b) || !Number.isSafeInteger(e) || (e as number) - (b as number) !== bytes) {
      throw corrupt(where, `tensor ${name} has bad dtype/offsets (${describeValue(t.dtype)} ${describeValue(t.data_offsets)}; shape ${describeValue(shape)} of F32 needs ${bytes} bytes)`);
    }
  }
  const spans = [...expected.keys()].map((name) => ({ name, begin: header.tensors[name]!.data_offsets[0], end: header.tensors[name]!.data_offsets[1] }));
  const untiled = tilingProblem(spans, dataLength);
  if (untiled) throw corrupt(where, `the tensors do not tile the data section: ${untiled}`);
}

/** Parses checkpoint bytes; `where` names the source in errors. */
export function decodeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): TrainState {
  return decodeVerified(bytes, where, false);
}

function decodeVerified(bytes: Uint8Array, where: string, acceptUnsealed: boolean): TrainState {
  const { header: raw, dataStart } = readFraming(bytes, where);
  checkVersion(raw.version, where, acceptUnsealed);
  const data = bytes.subarray(dataStart);
  if (raw.version === CHECKPOINT_VERSION) {
    checkIntegrity(bytes, raw, data.length, where);
    if (typeof raw.sha256 !== 'string') throw corrupt(where, 'the header repeats "sha256" with a value that is not the checksum');
  } else if (raw.sha256 !== undefined) {
    throw corrupt(where, 'a version 1 header has no "sha256"');
  }
  const header = checkHeaderFields(raw, where);
  const layout = layoutOf(header, where);
  const expected = expectedTensors(header, layout);
  checkTensors(header, expected, data.length, where);
  const read = (name: string): Float32Array => {
    const [b, e] = header.tensors[name]!.data_offsets;
    const copy = new Uint8Array(e - b); // a copy, aligned for float32 (a Buffer's slice would be a view)
    copy.set(data.subarray(b, e));
    return new Float32Array(copy.buffer);
  };
  const params = new Float32Array(layout.total);
  for (const e of layout.entries) params.set(read(`params/${e.name}`), e.offset);
  let optimizer: OptimizerState | null = null;
  if (header.optimizer) {
    const slots: Record<string, Float32Array> = {};
    for (const name of expected.keys()) if (name.startsWith('optimizer/')) slots[name.slice('optimizer/'.length)] = read(name);
    optimizer = { name: header.optimizer.name, hyper: header.optimizer.hyper, t: header.optimizer.t, slots };
  }
  let bnPrior: BnPrior | undefined;
  if (header.bnPrior) {
    const blocks = Array.from({ length: header.bnPrior.blocks }, (_, l) => l);
    bnPrior = { weight: header.bnPrior.weight, mean: blocks.map((l) => read(`bn_prior/mean/${l}`)), variance: blocks.map((l) => read(`bn_prior/variance/${l}`)) };
  }
  return {
    kind: header.kind,
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

/**
 * Re-writes a version 1 checkpoint (no checksum) as version 2 after the same checks a version 2
 * file gets, and proves the result holds the very same header facts and tensor bytes: the data
 * section is copied, not re-encoded from decoded floats. A version 2 file comes back unchanged.
 */
export function upgradeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): { bytes: Uint8Array; upgraded: boolean } {
  const { header, dataStart } = readFraming(bytes, where);
  if (header.version === CHECKPOINT_VERSION) {
    decodeCheckpoint(bytes, where);
    return { bytes, upgraded: false };
  }
  const before = decodeVerified(bytes, where, true);
  const { format: _format, version: _version, ...rest } = header;
  const upgraded = assembleSealed(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, JSON.stringify(sealableHeader(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, rest)), [bytes.subarray(dataStart)]);
  const after = decodeCheckpoint(upgraded, where);
  const sameBits = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
  const { params: p1, optimizer: o1, bnPrior: b1, ...facts1 } = before;
  const { params: p2, optimizer: o2, bnPrior: b2, ...facts2 } = after;
  const same =
    sameBits(p1, p2) &&
    JSON.stringify(facts1) === JSON.stringify(facts2) &&
    JSON.stringify(o1 && { ...o1, slots: Object.keys(o1.slots) }) === JSON.stringify(o2 && { ...o2, slots: Object.keys(o2.slots) }) &&
    Object.keys(o1?.slots ?? {}).every((k) => sameBits(o1!.slots[k]!, o2!.slots[k]!)) &&
    b1?.weight === b2?.weight &&
    (b1?.mean ?? []).every((m, l) => sameBits(m, b2!.mean[l]!) && sameBits(b1!.variance[l]!, b2!.variance[l]!));
  if (!same) throw internalError('E_CHECKPOINT_UPGRADE', `${where}: the upgraded checkpoint does not decode to the same state`);
  return { bytes: upgraded, upgraded: true };
}

/** Writes a checkpoint atomically (temporary file + rename). */
export async function saveCheckpoint(path: string, state: TrainState): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(state));
}

export async function loadCheckpoint(path: string): Promise<TrainState> {
  // Regular files only, within the model-file size limit and a read timeout (readInputFile).
  const bytes = await readInputFile(path, 'model', { codes: { notFound: 'E_CHECKPOINT_READ', read: 'E_CHECKPOINT_READ' } });
  return decodeCheckpoint(bytes, path);
}

/** Throws E_CHECKPOINT_CONFIG_MISMATCH when a checkpoint was made for another config. */
export function assertSameConfig(state: TrainState, config: HyperTransformerConfig, where = 'checkpoint'): void {
  if (configKey(state.config) !== configKey(config)) {
    const diff = Object.keys({ ...state.config, ...config }).filter((k) => JSON.stringify((state.config as unknown as Record<string, unknown>)[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k]));
    throw inputError('E_CHECKPOINT_CONFIG_MISMATCH', `${where} was trained with a different config (differs in: ${diff.join(', ')})`, { path: where, hint: 'resume with the config stored in the checkpoint, or start a new run' });
  }
}

/** The metadata key of the support-shift fill a model was chosen with (support-shifts.ts). */
export const SUPPORT_SHIFTS_KEY = 'supportShifts';

/** A state's support-shift fill: its metadata value, 0 when absent; a clear error when not a valid fill. */
function supportShiftsOf(state: TrainState): number {
  const raw = state.metadata?.[SUPPORT_SHIFTS_KEY];
  if (raw === undefined) return 0;
  return checkSupportShifts(/^\d+$/.test(raw) ? Number(raw) : raw, `metadata.${SUPPORT_SHIFTS_KEY}`);
}

/** Builds a model (HyperTransformer or ProtoNet) from a state. */
export function modelFromState(state: TrainState): EpisodicModel {
  const model = state.kind === 'protonet' ? protoNetFromValues(state.config, state.params) : modelFromValues(state.config, state.params);
  model.bnPrior = state.bnPrior ?? null;
  model.supportShifts = supportShiftsOf(state);
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
    ...(metadata || model.supportShifts ? { metadata: { ...metadata, ...(model.supportShifts ? { [SUPPORT_SHIFTS_KEY]: String(model.supportShifts) } : {}) } } : {}),
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
  model.supportShifts = supportShiftsOf(state);
  return model;
}
