/**
 * verify: load a model file in its runtime, run it on a support folder's images, and check it —
 * valid probabilities, class labels that match the folder's classes, and (given the IR the file was
 * written from) agreement with the float64 reference.
 */
import { HypertxError, describeValue, isHypertxError, type HypertxMetadata, type RunOutputs } from '@hypertx/export';
import { compareOutputs } from './compile/compare.js';
import { formatPlugin } from './formats.js';
import { runUntrustedModel } from './run-untrusted.js';
import { loadRawSupport } from './model-files/raw-support.js';
import { readModelFile, type ModelFileSummary } from './model-files/read-model-file.js';

export interface VerifyOptions {
  /** Support folder (class sub-folders) whose images to run; `_unlabeled/` images are loaded too (int8 calibration). */
  support: string;
  /** The network as hypertx IR (`.hxcnn`): compare with its float64 reference. */
  reference?: string;
  /** Tolerance on probabilities for float formats (default 1e-4). */
  atol?: number;
  /** Refuse support images with more pixels (width × height) than this, before decoding them (default 64 Mi). */
  maxInputPixels?: number;
}

export interface VerifyResult {
  ok: boolean;
  file: string;
  format: ModelFileSummary['format'];
  images: number;
  /** Images the file classifies as their folder's class. */
  correct: number;
  /** The runtime that ran the file, e.g. "onnxruntime-node 1.23.0". */
  runtime: string;
  /** The raw-pixel map the file applies (from its metadata): a negative scale means it inverts dark ink. */
  normalization: { scale: number[]; offset: number[] };
  supportAccuracy: number;
  reference?: { maxAbsDiff: number; argmaxAgreement: number; summary: string };
  versusFloat?: { maxAbsDiff: number; argmaxAgreement: number };
  problems: string[];
}

export async function verifyModelFile(file: string, options: VerifyOptions): Promise<VerifyResult> {
  // Cheap checks first: the file's own consistency and the folder's class names, before decoding
  // images or starting a runtime.
  const { summary, bytes, runnerFormat } = await readModelFile(file);
  const meta = summary.metadata;
  if (!meta) {
    throw new HypertxError('E_NO_METADATA', `${file} has no "hypertx" metadata, so its input size and labels are unknown`, {
      kind: 'input',
      path: file,
      hint: 'verify checks files written by hypertx compile.',
    });
  }
  checkAgainstMetadata(summary, meta);
  const { scanImageFolder } = await import('@hypertx/data');
  checkClassesKnown((await scanImageFolder(options.support)).classes.map((c) => c.name), meta.labels, options.support);
  const support = await loadRawSupport(options.support, meta.input, { unlabeled: undefined, ...(options.maxInputPixels !== undefined ? { maxInputPixels: options.maxInputPixels } : {}) });

  const plugin = formatPlugin(runnerFormat);
  const { outputs, runtime } = await runUntrustedModel(file, { format: runnerFormat, bytes, pixels: support.pixels, count: support.count }).catch((err: unknown) => {
    if (isHypertxError(err)) throw err;
    // The file is the user's, not ours: a runtime that fails on it is met by a damaged file (structure
    // the readers above do not check), so this is bad input, not a bug in hypertx.
    throw new HypertxError('E_MODEL_RUN', `${file}: the ${plugin.displayName} runtime could not run this file (${describeValue((err as Error)?.message ?? String(err))}); is it damaged?`, { kind: 'input', path: file, cause: err, hint: 'compile it again, or check it with the runtime it was made for' });
  });
  const problems: string[] = [];
  const classes = outputs.shape[1];
  if (classes !== meta.labels.length) problems.push(`the output has ${classes} classes but the metadata lists ${meta.labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < support.count; i++) {
    const row = outputs.probabilities.subarray(i * classes, (i + 1) * classes);
    const sum = row.reduce((a, b) => a + b, 0);
    if (!Number.isFinite(sum) || Math.abs(sum - 1) > 0.02) problems.push(`image ${support.files[i]}: probabilities sum to ${sum}`);
    if (meta.labels[argmax(row)] === support.classNames[support.labels[i]!]) correct++;
  }

  const { scale, offset } = meta.input.normalization;
  const result: VerifyResult = {
    ok: false,
    file,
    format: summary.format,
    images: support.count,
    correct,
    supportAccuracy: correct / support.count,
    runtime,
    normalization: { scale, offset },
    problems,
  };
  if (options.reference) {
    const { readCnnFile, runReference } = await import('@hypertx/export');
    const cnn = await readCnnFile(options.reference);
    const float = Float32Array.from(runReference(cnn, support.pixels, support.count).probabilities);
    // A quantised file is held to what its own int8 graph computes (as compile does), quantised from
    // the reference with the same calibration images; its distance from the float network is reported.
    const own = await plugin.expectedOutputs?.(cnn, { calibration: support.calibration }, support.pixels, support.count);
    const reference = compareOutputs(own?.probabilities ?? float, outputs.probabilities, classes, { atol: plugin.quantized ? 2 / 256 : (options.atol ?? 1e-4) });
    result.reference = { maxAbsDiff: reference.maxAbsDiff, argmaxAgreement: reference.argmaxAgreement, summary: reference.summary };
    if (own) {
      const q = compareOutputs(float, outputs.probabilities, classes, { atol: 1 });
      result.versusFloat = { maxAbsDiff: q.maxAbsDiff, argmaxAgreement: q.argmaxAgreement };
    }
    if (!reference.ok) {
      problems.push(
        `differs from the reference ${options.reference}${own ? ' quantised like compile does' : ''}: ${reference.summary}` +
          (own ? ` (int8 files are compared with the reference quantised on the same support folder, ${options.support}, as at compile time)` : ''),
      );
    }
  }
  result.ok = problems.length === 0;
  return result;
}

/**
 * The file's input and output shapes against its metadata: a file whose outputs have another number
 * of classes than it lists labels (or another input size) cannot be verified, whatever it computes.
 */
function checkAgainstMetadata(summary: ModelFileSummary, meta: HypertxMetadata): void {
  const mismatch = (what: string) =>
    new HypertxError('E_METADATA_MISMATCH', `${summary.path}: ${what}`, {
      kind: 'verification',
      path: summary.path,
      hint: 'The file is damaged or its metadata was edited; compile the support set again.',
    });
  for (const output of summary.outputs) {
    const classes = output.shape[output.shape.length - 1];
    if (typeof classes === 'number' && classes !== meta.labels.length) {
      throw mismatch(`output ${output.name} has ${classes} classes, but the "hypertx" metadata lists ${meta.labels.length} labels`);
    }
  }
  const input = summary.inputs[0]?.shape;
  const { height, width, channels } = meta.input;
  if (input?.length === 4 && input.slice(1).every((d) => typeof d === 'number') && (input[1] !== height || input[2] !== width || input[3] !== channels)) {
    throw mismatch(`input ${summary.inputs[0]!.name} is [${input.join(',')}], but the "hypertx" metadata says ${height}×${width}×${channels}`);
  }
}

/** Every class folder must name one of the file's labels (a subset of the classes is fine). */
function checkClassesKnown(classNames: string[], labels: string[], support: string): void {
  const missing = classNames.filter((c) => !labels.includes(c));
  if (missing.length > 0) {
    throw new HypertxError('E_LABELS_MISMATCH', `${support} has classes the model does not know: ${missing.join(', ')} (model labels: ${labels.join(', ')})`, {
      kind: 'input',
      path: support,
    });
  }
}

/** Runs a model file's bytes in its format's runtime on raw 0..255 pixels (NHWC, `count` images). */
export async function runModelBytes(format: string, bytes: Uint8Array, pixels: Float32Array, count: number): Promise<{ outputs: RunOutputs; runtime: string }> {
  const plugin = formatPlugin(format);
  if (!plugin.createRunner) throw new HypertxError('E_NO_RUNTIME', `no runtime can run ${format} files`, { kind: 'usage' });
  const runner = await plugin.createRunner(bytes);
  try {
    return { outputs: await runner.run(pixels, count), runtime: runner.runtime };
  } finally {
    await runner.dispose();
  }
}

function argmax(row: ArrayLike<number>): number {
  let top = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[top]!) top = c;
  return top;
}
