/**
 * Export and verify, in memory: each requested format is written to bytes, loaded in its real runtime
 * (onnxruntime-node, LiteRT.js, the float64 reference) on the support images, and compared with the
 * in-framework outputs. Nothing touches the disk here: `writeCompiled` does that, and only with
 * files that verified.
 */
import { HypertxError, type ExportedFile, type ExportOptions as PluginWriteOptions, type StandaloneCnn } from '@hypertx/export';
import { compareOutputs, type Agreement } from './compare.js';
import { formatPlugin } from '../formats.js';

/** One format's files, as bytes, with how they verified. */
export interface CompiledFormat {
  format: string;
  /** Every file of the format (a C array has a .cc and a .h); the `model` one first. */
  files: ExportedFile[];
  /** Bytes of the model file. */
  bytes: number;
  /** Set unless verification was turned off (or the format has no runtime). */
  verification?: Verification;
  exportMs: number;
  verifyMs: number;
  /** Facts the format reports about its file (e.g. `tfliteBytes`, `arenaBytes` of a C array). */
  details?: Record<string, string | number>;
}

export interface Verification {
  /** Name and version of the runtime that ran the file. */
  runtime: string;
  /** The file's outputs against the generated network (for int8 files: against their simulated int8 graph). */
  agreement: Agreement;
  /** For quantised formats: the file against the float network (information, not a pass/fail). */
  versusFloat?: { maxAbsDiff: number; argmaxAgreement: number };
}

export interface ExportInputs {
  /** The generated network. */
  cnn: StandaloneCnn;
  /** Raw 0..255 pixels of the support (+ unlabelled) images, NHWC, for calibration and verification. */
  rawPixels: Float32Array;
  count: number;
  /** The in-framework (TF.js) probabilities on the same images, `[count, classes]`. */
  expected: Float32Array;
}

export interface ExportOptions {
  verify: boolean;
  /** Tolerance on probabilities for float formats (quantised ones allow two int8 steps). */
  atol: number;
  /** The plugin's own write options (e.g. the C array's `name`); the calibration images are always compile's. */
  writeOptions?: Omit<PluginWriteOptions, 'calibration'>;
  /** Names the file in a mismatch error (the planned output path, when there is one). */
  describe?: (format: string) => string;
}

/** Exports one format and verifies it; a mismatch throws E_VERIFY_MISMATCH (kind verification). */
export async function exportAndVerify(inputs: ExportInputs, formatId: string, options: ExportOptions): Promise<CompiledFormat> {
  const plugin = formatPlugin(formatId);
  const t0 = performance.now();
  const exportOptions: PluginWriteOptions = { ...options.writeOptions, calibration: { pixels: inputs.rawPixels, count: inputs.count } };
  const written = await plugin.write(inputs.cnn, exportOptions);
  const exportMs = performance.now() - t0;
  const model = written.find((f) => f.role === 'model') ?? written[0];
  if (!model) throw new HypertxError('E_EXPORT_EMPTY', `format ${plugin.id} produced no file`, { kind: 'internal' });

  let verification: Verification | undefined;
  const t1 = performance.now();
  if (options.verify && plugin.createRunner) {
    const runner = await plugin.createRunner(model.bytes);
    let out;
    try {
      out = await runner.run(inputs.rawPixels, inputs.count);
    } finally {
      await runner.dispose();
    }
    // A quantised file is checked against what its own int8 graph computes (its plugin simulates
    // it); how far quantisation moved it from the float network is reported, not judged.
    const own = await plugin.expectedOutputs?.(inputs.cnn, exportOptions, inputs.rawPixels, inputs.count);
    const agreement = compareOutputs(own?.probabilities ?? inputs.expected, out.probabilities, out.shape[1], {
      atol: plugin.quantized ? 2 / 256 : options.atol,
    });
    if (!agreement.ok) {
      const name = options.describe?.(plugin.id) ?? `the ${plugin.id} file`;
      throw new HypertxError('E_VERIFY_MISMATCH', `${name}: ${runner.runtime} disagrees with the generated network — ${agreement.summary}. No file was written.`, {
        kind: 'verification',
        hint: 'Report this with the support images: it is a bug in the exporter or the runtime.',
      });
    }
    verification = { runtime: runner.runtime, agreement };
    if (own) {
      const q = compareOutputs(inputs.expected, out.probabilities, out.shape[1], { atol: 1 });
      verification.versusFloat = { maxAbsDiff: q.maxAbsDiff, argmaxAgreement: q.argmaxAgreement };
    }
  }
  const verifyMs = performance.now() - t1;

  const result: CompiledFormat = {
    format: plugin.id,
    files: [model, ...written.filter((f) => f !== model)],
    bytes: model.bytes.byteLength,
    exportMs,
    verifyMs,
  };
  if (verification) result.verification = verification;
  if (model.details) result.details = model.details;
  return result;
}
