/**
 * compileBatch: many support sets with one model and one set of formats, on a pool of worker threads
 * (the model loaded once per thread). Each set's outputs go to `<out>/<name>/`; a set that fails is
 * reported with its error and the batch goes on; a set whose outputs already match its key is
 * skipped, so a killed batch resumes without redoing or corrupting work.
 */
import { availableParallelism } from 'node:os';
import { HypertxError } from '@hypertx/export';
import { DEFAULT_FORMATS, parseFormats } from '../formats.js';
import { DEFAULT_MODEL, resolveModel } from '../models.js';
import type { ProgressCallback } from '../progress.js';
import { CompilePool, type PoolCompileOptions, type SetError } from './compile-pool.js';
import { isSetDone, writeSetOutputs } from './set-outputs.js';
import { listSupportSets, modelFileId, readSupportSet, supportSetKey, type CompileSettings, type PortableSupportSet, type SupportSetSource } from './support-sets.js';

export interface CompileBatchOptions {
  /** Output folder: one sub-folder per set. */
  out: string;
  /** A bundled model name or a model file (default "default"). */
  model?: string;
  formats?: readonly string[];
  /** Worker threads (default: the machine's cores). */
  jobs?: number;
  verify?: boolean;
  ink?: 'auto' | 'bright' | 'dark';
  levels?: 'auto' | 'none';
  selfLabel?: boolean;
  /** Recompile sets whose outputs are already there. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** One set's outcome. */
export interface BatchSetResult {
  name: string;
  /** sha256 of the set's images and the compile settings (also the job id on a queue). */
  key: string;
  status: 'compiled' | 'skipped' | 'failed';
  labels?: string[];
  /** Files written (compiled) or already there (skipped: empty). */
  files?: string[];
  error?: SetError;
  ms: number;
}

export interface BatchSummary {
  results: BatchSetResult[];
  compiled: number;
  skipped: number;
  failed: number;
  seconds: number;
}

/** What a batch needs to know before it runs, shared by the local pool and the queue. */
export interface PreparedBatch {
  sets: SupportSetSource[];
  settings: CompileSettings;
  compileOptions: PoolCompileOptions;
  modelPath: string;
}

export async function prepareBatch(input: string | readonly SupportSetSource[], options: Omit<CompileBatchOptions, 'out'>): Promise<PreparedBatch> {
  const sets = typeof input === 'string' ? await listSupportSets(input) : [...input];
  const formats = parseFormats(options.formats ?? DEFAULT_FORMATS) ?? [...DEFAULT_FORMATS];
  const modelPath = resolveModel(options.model ?? DEFAULT_MODEL);
  const compileOptions: PoolCompileOptions = {
    formats,
    verify: options.verify !== false,
    ink: options.ink ?? 'auto',
    levels: options.levels ?? 'auto',
    selfLabel: options.selfLabel !== false,
  };
  const settings: CompileSettings = { modelId: await modelFileId(modelPath), formats, ink: compileOptions.ink!, levels: compileOptions.levels!, selfLabel: compileOptions.selfLabel! };
  return { sets, settings, compileOptions, modelPath };
}

/** A set read and keyed, still to compile. */
export interface SetToCompile {
  source: SupportSetSource;
  set: PortableSupportSet;
  key: string;
  started: number;
}

/**
 * Reads and keys one set of a batch: its result when it is already done (skipped) or unreadable
 * (failed), otherwise the set to compile. Shared by the local batch and the queue.
 */
export async function triageSet(source: SupportSetSource, batch: PreparedBatch, options: { out: string; force?: boolean }): Promise<SetToCompile | { result: BatchSetResult }> {
  const started = performance.now();
  let set: PortableSupportSet;
  try {
    set = await readSupportSet(source);
  } catch (err) {
    return { result: { name: source.name, key: '', status: 'failed', error: setErrorOf(err), ms: performance.now() - started } };
  }
  const key = supportSetKey(set, batch.settings);
  if (!options.force && (await isSetDone(options.out, source.name, key))) return { result: { name: source.name, key, status: 'skipped', files: [], ms: performance.now() - started } };
  return { source, set, key, started };
}

/** Any error as a set's error (plain data that crosses threads, processes and Redis). */
export function setErrorOf(err: unknown): SetError {
  const e = err as Partial<HypertxError> & { message?: string };
  return { code: e.code ?? 'E_INTERNAL', kind: e.kind ?? 'internal', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) };
}

export async function compileBatch(input: string | readonly SupportSetSource[], options: CompileBatchOptions): Promise<BatchSummary> {
  if (!options.out) throw new HypertxError('E_USAGE', 'compileBatch needs an output folder (out)', { kind: 'usage' });
  const t0 = performance.now();
  const batch = await prepareBatch(input, options);
  const total = batch.sets.length;
  const results: BatchSetResult[] = [];
  const report = (result: BatchSetResult) => {
    results.push(result);
    options.onProgress?.({ type: 'set', task: 'batch', result, done: results.length, total });
  };

  // Read and key every set first: finished ones are skipped without starting a thread.
  const todo: SetToCompile[] = [];
  for (const source of batch.sets) {
    const triaged = await triageSet(source, batch, options);
    if ('result' in triaged) report(triaged.result);
    else todo.push(triaged);
  }

  if (todo.length > 0) {
    const pool = new CompilePool({ model: batch.modelPath, threads: Math.min(options.jobs ?? availableParallelism(), todo.length) });
    const onAbort = () => void pool.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(
        todo.map(async ({ source, set, key, started }) => {
          const reply = await pool.compile(set, batch.compileOptions);
          if (options.signal?.aborted) return;
          if (!reply.ok) {
            report({ name: source.name, key, status: 'failed', error: reply.error, ms: performance.now() - started });
            return;
          }
          try {
            const files = await writeSetOutputs(options.out, source.name, key, reply.result);
            report({ name: source.name, key, status: 'compiled', labels: reply.result.labels, files, ms: performance.now() - started });
          } catch (err) {
            report({ name: source.name, key, status: 'failed', error: setErrorOf(err), ms: performance.now() - started });
          }
        }),
      );
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await pool.close();
    }
    if (options.signal?.aborted) throw new HypertxError('E_ABORTED', `batch was cancelled after ${results.length} of ${total} sets`, { kind: 'interrupted' });
  }
  const count = (s: BatchSetResult['status']) => results.filter((r) => r.status === s).length;
  return { results, compiled: count('compiled'), skipped: count('skipped'), failed: count('failed'), seconds: (performance.now() - t0) / 1000 };
}
