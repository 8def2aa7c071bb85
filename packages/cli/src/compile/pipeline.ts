/**
 * The compile pipeline: support folder → HyperTransformer → StandaloneCnn → verified files.
 *
 * Every format is exported and verified from its bytes first; only when all of them passed are the
 * files written, each atomically: a failed or interrupted compile leaves no model file behind
 * (DESIGN decisions 7 and 8).
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError, writeFileAtomic, type ExportedFile, type FormatPlugin, type StandaloneCnn } from '@hypertx/export';
import { loadPlugin } from './formats.js';
import { ensureDirectory } from './output-directory.js';
import type { OutputPlan } from './output-paths.js';
import { compareOutputs, type Agreement } from './compare.js';

export type CompileEvent =
  | { stage: 'model'; name: string }
  | { stage: 'support'; classes: number; images: number; unlabeled: number; ink: string }
  | { stage: 'generated'; layers: number; parameters: number; ms: number }
  | { stage: 'file'; file: CompiledFile };

export interface CompiledFile {
  format: string;
  path: string;
  /** Every path written for this format (c-array writes two). */
  paths: string[];
  bytes: number;
  verified: boolean;
  runtime?: string;
  agreement?: Agreement;
  /** For quantised formats: the file against the float network (information, not a pass/fail). */
  versusFloat?: { maxAbsDiff: number; argmaxAgreement: number };
  exportMs: number;
  verifyMs: number;
  /** Facts the format reports about its file (e.g. `tfliteBytes`, `arenaBytes` of a C array). */
  details?: Record<string, string | number>;
}

export interface CompileInputs {
  /** The generated network. */
  cnn: StandaloneCnn;
  /** Raw 0..255 pixels of the support (+ unlabelled) images, NHWC, for calibration and verification. */
  rawPixels: Float32Array;
  count: number;
  /** The in-framework (TF.js) probabilities on the same images, `[count, classes]`. */
  expected: Float32Array;
}

export interface WriteOptions {
  verify: boolean;
  atol: number;
  onEvent?: (event: CompileEvent) => void;
}

/** Exports and verifies every planned format, then writes them all; throws on the first failure. */
export async function exportAndVerify(inputs: CompileInputs, plans: OutputPlan[], options: WriteOptions): Promise<CompiledFile[]> {
  const ready: { file: CompiledFile; written: ExportedFile[]; plan: OutputPlan }[] = [];
  for (const plan of plans) {
    const plugin = await loadPlugin(plan.format);
    ready.push(await exportOne(plugin, plan, inputs, options));
  }
  // All verified: write them. If a write fails (disk full, permissions), remove the files this run
  // already wrote, so that a failed compile leaves no model files at all.
  const writtenPaths: string[] = [];
  try {
    for (const { file, written, plan } of ready) {
      await ensureDirectory(path.dirname(plan.file));
      for (const [i, f] of written.entries()) {
        await writeFileAtomic(file.paths[i]!, f.bytes);
        writtenPaths.push(file.paths[i]!);
      }
    }
  } catch (err) {
    await Promise.all(writtenPaths.map((p) => unlink(p).catch(() => undefined)));
    throw err;
  }
  for (const { file } of ready) options.onEvent?.({ stage: 'file', file });
  return ready.map((r) => r.file);
}

async function exportOne(
  plugin: FormatPlugin,
  plan: OutputPlan,
  inputs: CompileInputs,
  options: WriteOptions,
): Promise<{ file: CompiledFile; written: ExportedFile[]; plan: OutputPlan }> {
  const t0 = performance.now();
  const exportOptions = { calibration: { pixels: inputs.rawPixels, count: inputs.count } };
  const written = await plugin.write(inputs.cnn, exportOptions);
  const exportMs = performance.now() - t0;
  const model = written.find((f) => f.role === 'model') ?? written[0];
  if (!model) throw new HypertxError('E_EXPORT_EMPTY', `format ${plugin.id} produced no file`, { kind: 'internal' });

  let agreement: Agreement | undefined;
  let quantization: Agreement | undefined;
  let runtime: string | undefined;
  const t1 = performance.now();
  if (options.verify && plugin.createRunner) {
    const runner = await plugin.createRunner(model.bytes);
    try {
      runtime = runner.runtime;
      const out = await runner.run(inputs.rawPixels, inputs.count);
      // A quantised file is checked against what its own int8 graph computes (its plugin simulates
      // it); how far quantisation moved it from the float network is reported, not judged.
      const own = plugin.expectedOutputs?.(inputs.cnn, exportOptions, inputs.rawPixels, inputs.count);
      agreement = compareOutputs(own?.probabilities ?? inputs.expected, out.probabilities, out.shape[1], {
        atol: plugin.quantized ? 2 / 256 : options.atol,
      });
      if (own) quantization = compareOutputs(inputs.expected, out.probabilities, out.shape[1], { atol: 1 });
    } finally {
      await runner.dispose();
    }
    if (!agreement.ok) {
      throw new HypertxError(
        'E_VERIFY_MISMATCH',
        `${plan.file}: ${runtime} disagrees with the generated network — ${agreement.summary}. No file was written.`,
        { kind: 'verification', path: plan.file, hint: 'Report this with the support folder: it is a bug in the exporter or the runtime.' },
      );
    }
  }
  const verifyMs = performance.now() - t1;

  const paths = written.map((f) => (written.length === 1 ? plan.file : plan.stem + f.extension));
  const result: CompiledFile = {
    format: plugin.id,
    path: paths[0] ?? plan.file,
    paths,
    bytes: model.bytes.byteLength,
    verified: agreement !== undefined,
    exportMs,
    verifyMs,
  };
  if (runtime !== undefined) result.runtime = runtime;
  if (agreement !== undefined) result.agreement = agreement;
  if (model.details) result.details = model.details;
  if (quantization !== undefined) result.versusFloat = { maxAbsDiff: quantization.maxAbsDiff, argmaxAgreement: quantization.argmaxAgreement };
  return { file: result, written, plan };
}
