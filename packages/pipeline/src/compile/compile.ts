/**
 * compile: a support set → the HyperTransformer writes a CNN in one forward pass → each requested
 * format as bytes, each verified in its real runtime. Input is a folder (one sub-folder per class)
 * or images in memory; nothing is written to disk (see `writeCompiled`).
 */
import path from 'node:path';
import type { BackendChoice } from '@hypertx/core';
import type { LabelledImageBytes, SupportSet, UnlabelledImageBytes } from '@hypertx/data';
import { HypertxError, isHypertxError, usageError, type ExportOptions, type StandaloneCnn } from '@hypertx/export';
import { DEFAULT_FORMATS, parseFormats } from '../formats.js';
import { DEFAULT_MODEL, loadModel, type LoadedModel } from '../models.js';
import { throwIfAborted, type ProgressCallback } from '../progress.js';
import { exportAndVerify, type CompiledFormat } from './export-and-verify.js';

/** A support folder (`dir/<class>/<images>`, unlabelled images in `dir/_unlabeled` by default), or images in memory. */
export type SupportInput =
  | string
  | { folder: string; unlabeledFolder?: string }
  | { images: readonly LabelledImageBytes[]; unlabeled?: readonly UnlabelledImageBytes[] };

export interface CompileOptions {
  /** A bundled model name, a .hxmodel/.hxckpt path, or a model from `loadModel` (default "default"). */
  model?: string | LoadedModel;
  /** Format ids (default onnx and tflite); `formatIds()` lists them. */
  formats?: readonly string[];
  /** Run each file in its runtime and compare (default true). */
  verify?: boolean;
  /** Verification tolerance on probabilities for float formats (default 1e-4). */
  atol?: number;
  /** How the images are drawn: detected (default), light ink on dark, or dark ink on light. */
  ink?: 'auto' | 'bright' | 'dark';
  /** 'auto' (default) stretches measured paper and ink levels to the training range, baked into the model input. */
  levels?: 'auto' | 'none';
  /** Label unlabelled images with a first-pass CNN, then generate again (default true). */
  selfLabel?: boolean;
  /**
   * Fill each class up to this many images with 1–3-pixel shifted copies before generating; 0 turns it
   * off. Default: the model's own setting (the bundled `default`: 25; see `inspect`).
   */
  supportShifts?: number;
  /** TensorFlow.js backend, when none is initialised yet (default auto). */
  backend?: BackendChoice;
  /** Refuse images with more pixels (width × height) than this, before decoding them (default 64 Mi). */
  maxInputPixels?: number;
  /**
   * Format-specific write options by format id, e.g. `{ 'c-array': { name: 'glyph_model' } }` (the C
   * symbol) or `{ onnx: { opset: 17 } }`; see each plugin. Calibration is compile's own and is kept.
   */
  formatOptions?: Readonly<Record<string, Omit<ExportOptions, 'calibration'>>>;
  /** Names each format's file in errors (the output path it was planned for). */
  fileName?: (format: string) => string;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface CompileResult {
  /** Class names, in the CNN's output order. */
  labels: string[];
  /** The model's name or path, as given. */
  model: string;
  /** The ink polarity of the images (detected or given). */
  ink: 'bright' | 'dark';
  images: { labelled: number; unlabeled: number };
  /** Files and folders of a support folder passed over because they are not images. */
  skipped: string[];
  /** sha256 of the support images and labels, also stored in each file's metadata. */
  supportSetHash: string;
  /** One entry per requested format, in request order. */
  formats: CompiledFormat[];
  /** The generated network (the plain-data IR every format was written from). */
  cnn: StandaloneCnn;
  /** Wall time of each phase. */
  timingsMs: { imports: number; modelLoad: number; imageLoad: number; generate: number; exportAndVerify: number };
}

export async function compile(input: SupportInput, options: CompileOptions = {}): Promise<CompileResult> {
  const formats = parseFormats(options.formats ?? DEFAULT_FORMATS) ?? [...DEFAULT_FORMATS];
  const formatOptions = checkCompileOptions(options);
  const progress = options.onProgress;
  const signal = options.signal;
  const lap = stopwatch();

  const [core, data] = await Promise.all([import('@hypertx/core'), import('@hypertx/data')]);
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');
  const imports = lap();

  const modelName = typeof options.model === 'object' ? options.model.name : (options.model ?? DEFAULT_MODEL);
  progress?.({ type: 'stage', task: 'compile', message: `Loading model ${modelName}` });
  const loaded = typeof options.model === 'object' ? options.model : await loadModel(modelName, options.backend ? { backend: options.backend } : {});
  const model = loaded.model;
  const modelLoad = lap();
  throwIfAborted(signal, 'compile');

  const supportShifts = options.supportShifts === undefined ? model.supportShifts : core.checkSupportShifts(options.supportShifts);
  const { height, width, channels } = model.config.image;
  const common = {
    height,
    width,
    channels: channels as 1 | 3,
    ink: options.ink ?? 'auto',
    levels: options.levels ?? 'auto',
    ...(options.maxInputPixels !== undefined ? { maxInputPixels: options.maxInputPixels } : {}),
    onProgress: (p: { done: number; total: number }) => progress?.({ type: 'progress', task: 'compile', unit: 'images', done: p.done, total: p.total }),
  } as const;
  const folder = typeof input === 'string' ? input : 'folder' in input ? input.folder : undefined;
  let set: SupportSet;
  if (folder !== undefined) {
    const unlabeled = typeof input === 'object' && 'unlabeledFolder' in input && input.unlabeledFolder !== undefined ? path.resolve(input.unlabeledFolder) : undefined;
    set = await data.loadSupportSet(folder, { ...common, ...(unlabeled !== undefined ? { unlabeledDir: unlabeled } : {}) });
  } else if (typeof input === 'object' && 'images' in input) {
    set = await data.supportSetFromImages(input.images, { ...common, ...(input.unlabeled ? { unlabeled: input.unlabeled } : {}) });
  } else {
    throw new HypertxError('E_USAGE', 'compile takes a support folder path, { folder }, or { images: [{ label, bytes }] }', { kind: 'usage' });
  }
  try {
    core.checkSupport(model.config, set.labels);
  } catch (err) {
    throw folder === undefined ? err : namingFolder(err, folder);
  }
  const unlabeledCount = set.unlabeled?.count ?? 0;
  progress?.({
    type: 'stage',
    task: 'compile',
    message:
      `Read ${set.classNames.length} classes, ${set.images.count} labelled${unlabeledCount ? ` + ${unlabeledCount} unlabelled` : ''} images ` +
      `(${set.ink === 'dark' ? 'dark ink on light: inversion baked into the model input' : 'light ink on dark'})` +
      (set.skipped.length ? `; skipped ${set.skipped.length} non-image file${set.skipped.length === 1 ? '' : 's'}: ${set.skipped.join(', ')}` : ''),
  });
  const imageLoad = lap();
  throwIfAborted(signal, 'compile');

  const batch = data.supportBatch(set);
  // One self-labelling pass shared by generate and predict; generate still hashes the labels as given.
  const selfLabels = options.selfLabel === false ? batch.supportLabels : core.selfLabel(model, batch.support, batch.supportLabels);
  const cnn = core.generate(model, batch.support, batch.supportLabels, {
    normalization: set.normalization,
    labels: set.classNames,
    extraMetadata: { model: path.basename(loaded.path), ink: set.ink, ...(supportShifts ? { supportShifts: String(supportShifts) } : {}) },
    selfLabels,
    supportShifts,
  });
  // The TF.js outputs every exported file must reproduce, on the support (+ unlabelled) images.
  const expected = core.predict(model, batch.support, batch.supportLabels, batch.support, { selfLabels, supportShifts });
  const generate = lap();
  progress?.({
    type: 'stage',
    task: 'compile',
    message: `Generated a ${cnn.layers.filter((l) => l.type === 'conv2d').length}-conv CNN for ${cnn.labels.length} classes` + (supportShifts ? ` (each class filled to ${supportShifts} images with shifted copies)` : ''),
  });

  const rawPixels = data.denormalizePixels(batch.support.pixels, channels, set.normalization);
  const inputs = { cnn, rawPixels, count: batch.support.count, expected: expected.probabilities };
  const compiled: CompiledFormat[] = [];
  for (const format of formats) {
    throwIfAborted(signal, 'compile');
    const file = await exportAndVerify(inputs, format, {
      verify: options.verify !== false,
      atol: options.atol ?? 1e-4,
      ...(formatOptions.has(format) ? { writeOptions: formatOptions.get(format) } : {}),
      ...(options.fileName ? { describe: options.fileName } : {}),
    });
    compiled.push(file);
    progress?.({ type: 'format', task: 'compile', file });
  }
  const exportAndVerifyMs = lap();

  return {
    labels: set.classNames,
    model: modelName,
    ink: set.ink,
    images: { labelled: set.images.count, unlabeled: unlabeledCount },
    skipped: set.skipped,
    supportSetHash: cnn.metadata.supportSetHash ?? set.hash,
    formats: compiled,
    cnn,
    timingsMs: { imports, modelLoad, imageLoad, generate, exportAndVerify: exportAndVerifyMs },
  };
}

/**
 * Usage errors before any slow work: a bad pixel limit, or format options for a format id that does
 * not exist. Returns the format options by format id (ids read like `formats`).
 */
function checkCompileOptions(options: CompileOptions): Map<string, Omit<ExportOptions, 'calibration'>> {
  const max = options.maxInputPixels;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
    throw usageError('E_USAGE', `maxInputPixels must be a whole number ≥ 1, got ${String(max)}`);
  }
  const byFormat = new Map<string, Omit<ExportOptions, 'calibration'>>();
  for (const [key, value] of Object.entries(options.formatOptions ?? {})) {
    byFormat.set(parseFormats([key], 'formatOptions')![0]!, value);
  }
  return byFormat;
}

function stopwatch(): () => number {
  let t = performance.now();
  return () => {
    const now = performance.now();
    const lap = now - t;
    t = now;
    return lap;
  };
}

/** The model's checks speak of "the support set": name the folder, so the message points at it. */
function namingFolder(err: unknown, supportDir: string): unknown {
  if (!isHypertxError(err)) return err;
  return new HypertxError(err.code, `${supportDir}: ${err.message}`, {
    kind: err.kind,
    path: supportDir,
    cause: err,
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
  });
}
