/**
 * What a checkpoint header may say: every field typed and bounded, no unknown keys, and the
 * tensor list exactly the one the header's own config, optimizer and BatchNorm prior call for,
 * with the shapes they call for. All of it is checked on the parsed JSON, before one tensor value
 * is read or a buffer for it allocated (checkpoint.ts).
 */
import { type HyperTransformerConfig, channelsOf, showValue, validateConfig } from './config.js';
import { HypertxError, inputError } from './errors.js';
import type { ModelKind } from './model/hypertransformer.js';
import { makeLayout, paramSpecs, type ParamLayout } from './model/params.js';
import { protoNetSpecs } from './model/protonet.js';
import type { LrSchedule } from './train/schedule.js';

export interface TensorEntry {
  dtype: 'F32';
  shape: number[];
  data_offsets: [number, number];
}

export interface CheckpointHeader {
  format: string;
  version: number;
  sha256?: string;
  kind: ModelKind;
  config: HyperTransformerConfig;
  step: number;
  rng: { seed: number };
  optimizer: { name: 'sgd' | 'adam'; hyper: Record<string, number>; t: number } | null;
  schedule?: LrSchedule;
  metadata?: Record<string, string>;
  bnPrior?: { weight: number; blocks: number };
  tensors: Record<string, TensorEntry>;
}

const HEADER_KEYS = ['format', 'version', 'sha256', 'kind', 'config', 'step', 'rng', 'optimizer', 'schedule', 'metadata', 'bnPrior', 'tensors'];
const OPTIMIZER_HYPER: Record<string, string[]> = { sgd: ['momentum'], adam: ['beta1', 'beta2', 'epsilon'] };
const SCHEDULE_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  constant: { required: ['lr'], optional: [] },
  exponential: { required: ['lr', 'decayRate', 'decaySteps'], optional: [] },
  cosine: { required: ['lr', 'totalSteps'], optional: ['minLr', 'warmupSteps'] },
};
/** Free-form metadata stays small: a few facts from training, not a payload. */
const METADATA_LIMITS = { entries: 256, chars: 4096 };

type Fail = (field: string, value: unknown, allowed: string) => never;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function onlyKeys(value: Record<string, unknown>, field: string, allowed: string[], fail: Fail): void {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined) fail(`${field}.${extra}`, value[extra], `no such field (known: ${allowed.join(', ')})`);
}

function checkOptimizer(value: unknown, fail: Fail): void {
  if (value === null) return;
  if (!isObject(value)) return fail('optimizer', value, 'null or { name, hyper, t }');
  onlyKeys(value, 'optimizer', ['name', 'hyper', 't'], fail);
  const keys = OPTIMIZER_HYPER[value.name as string];
  if (!keys) return fail('optimizer.name', value.name, '"sgd" or "adam"');
  if (!isCount(value.t)) fail('optimizer.t', value.t, 'an integer ≥ 0');
  const hyper = value.hyper;
  if (!isObject(hyper)) return fail('optimizer.hyper', hyper, `an object with ${keys.join(', ')}`);
  onlyKeys(hyper, 'optimizer.hyper', keys, fail);
  for (const k of keys) if (!isFinite(hyper[k])) fail(`optimizer.hyper.${k}`, hyper[k], 'a finite number');
}

/** The schedule's own fields only, as the header stores it (a recipe may carry others; readers refuse unknown keys). */
export function scheduleForHeader(schedule: LrSchedule): LrSchedule {
  const fields = SCHEDULE_FIELDS[schedule.kind];
  if (!fields) return schedule;
  const source = schedule as unknown as Record<string, unknown>;
  return Object.fromEntries(['kind', ...fields.required, ...fields.optional].filter((k) => source[k] !== undefined).map((k) => [k, source[k]])) as unknown as LrSchedule;
}

function checkSchedule(value: unknown, fail: Fail): void {
  if (value === undefined) return;
  if (!isObject(value)) return fail('schedule', value, 'an object');
  const fields = SCHEDULE_FIELDS[value.kind as string];
  if (!fields) return fail('schedule.kind', value.kind, `one of ${Object.keys(SCHEDULE_FIELDS).join(', ')}`);
  onlyKeys(value, 'schedule', ['kind', ...fields.required, ...fields.optional], fail);
  for (const k of fields.required) if (!isFinite(value[k])) fail(`schedule.${k}`, value[k], 'a finite number');
  for (const k of fields.optional) if (value[k] !== undefined && !isFinite(value[k])) fail(`schedule.${k}`, value[k], 'a finite number or absent');
}

function checkMetadata(value: unknown, fail: Fail): void {
  if (value === undefined) return;
  if (!isObject(value)) return fail('metadata', value, 'an object of strings');
  const entries = Object.entries(value);
  if (entries.length > METADATA_LIMITS.entries) fail('metadata', `${entries.length} entries`, `at most ${METADATA_LIMITS.entries} entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length + v.length > METADATA_LIMITS.chars) fail(`metadata.${k}`, v, `a string (key and value at most ${METADATA_LIMITS.chars} characters)`);
  }
}

/**
 * Checks every field of a parsed header but `tensors`; throws E_CHECKPOINT_CORRUPT naming `where`,
 * the field, its value and what is allowed.
 */
export function checkHeaderFields(header: Record<string, unknown>, where: string): CheckpointHeader {
  const fail: Fail = (field, value, allowed) => {
    throw inputError('E_CHECKPOINT_CORRUPT', `${where}: header field ${field} = ${showValue(value)} is invalid: ${allowed}`, {
      path: where,
      hint: 'the header was edited or written by another tool; use the file as hypertx train wrote it, or an earlier checkpoint',
    });
  };
  onlyKeys(header, 'header', HEADER_KEYS, fail);
  if (header.kind !== 'hypertransformer' && header.kind !== 'protonet') fail('kind', header.kind, '"hypertransformer" or "protonet"');
  try {
    validateConfig(header.config as HyperTransformerConfig);
  } catch (err) {
    if (!(err instanceof HypertxError)) throw err;
    throw inputError('E_CHECKPOINT_CORRUPT', `${where}: ${err.message}`, { path: where, hint: 'the config in the header was edited or written by another tool; use the file as hypertx train wrote it', cause: err });
  }
  if (!isCount(header.step)) fail('step', header.step, 'an integer ≥ 0');
  const rng = header.rng;
  if (!isObject(rng)) fail('rng', rng, '{ seed }');
  onlyKeys(rng as Record<string, unknown>, 'rng', ['seed'], fail);
  if (!Number.isSafeInteger((rng as Record<string, unknown>).seed)) fail('rng.seed', (rng as Record<string, unknown>).seed, 'an integer');
  checkOptimizer(header.optimizer, fail);
  checkSchedule(header.schedule, fail);
  checkMetadata(header.metadata, fail);
  const config = header.config as HyperTransformerConfig;
  const prior = header.bnPrior;
  if (prior !== undefined) {
    if (!isObject(prior)) fail('bnPrior', prior, '{ weight, blocks }');
    onlyKeys(prior as Record<string, unknown>, 'bnPrior', ['weight', 'blocks'], fail);
    const { weight, blocks } = prior as Record<string, unknown>;
    if (!isFinite(weight) || weight < 0) fail('bnPrior.weight', weight, 'a finite number ≥ 0');
    if (blocks !== config.cnn.layers) fail('bnPrior.blocks', blocks, `${config.cnn.layers} (config.cnn.layers)`);
  }
  if (!isObject(header.tensors)) fail('tensors', header.tensors, 'an object');
  return header as unknown as CheckpointHeader;
}

/** The parameter layout of the header's model; a config that plans to nothing sensible is the file's fault. */
export function layoutOf(header: CheckpointHeader, where: string): ParamLayout {
  try {
    return makeLayout(header.kind === 'protonet' ? protoNetSpecs(header.config) : paramSpecs(header.config));
  } catch (err) {
    if (!(err instanceof HypertxError)) throw err;
    throw inputError('E_CHECKPOINT_CORRUPT', `${where}: ${err.message}`, { path: where, hint: 'the config in the header was edited or written by another tool', cause: err });
  }
}

/** Every tensor the header's model, optimizer and prior call for, with its shape, in writing order. */
export function expectedTensors(header: CheckpointHeader, layout: ParamLayout): Map<string, number[]> {
  const expected = new Map<string, number[]>();
  for (const e of layout.entries) expected.set(`params/${e.name}`, e.shape);
  const optimizer = header.optimizer;
  if (optimizer?.name === 'adam') for (const slot of ['m', 'v']) expected.set(`optimizer/${slot}`, [layout.total]);
  if (optimizer?.name === 'sgd' && optimizer.hyper['momentum']) expected.set('optimizer/momentum', [layout.total]);
  if (header.bnPrior) {
    for (const stat of ['mean', 'variance']) {
      for (let l = 0; l < header.bnPrior.blocks; l++) expected.set(`bn_prior/${stat}/${l}`, [channelsOf(header.config, l)]);
    }
  }
  return expected;
}
