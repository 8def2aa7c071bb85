/**
 * Format plugins turn a StandaloneCnn into files of one format, and (optionally) run such a file
 * in a real runtime so that compile can verify it ('Verification is part of compile' in
 * docs/architecture.md).
 */
import type { StandaloneCnn } from './ir.js';

/** One file a plugin writes. Most formats write one; `c-array` writes a header and a source. */
export interface ExportedFile {
  /** Suffix appended to the output stem, including the dot: `.onnx`, `.tflite`, `.h`, `.cc`. */
  extension: string;
  bytes: Uint8Array;
  /** The file a runtime loads (`model`) or an accompanying file (`source`, `header`, ...). */
  role: 'model' | 'source' | 'header' | 'sidecar';
  /** Facts worth reporting about the file (e.g. `{ tfliteBytes, arenaBytes }` for a C array). */
  details?: Record<string, string | number>;
}

export interface ExportOptions {
  /**
   * Calibration inputs for quantising formats: raw pixels (0..255) NHWC, `count` images at the
   * model's input size. Float formats ignore it.
   */
  calibration?: { pixels: Float32Array; count: number };
  /** Format-specific options (e.g. `{ opset: 13 }` for ONNX, `{ io: 'int8' }` for int8 TFLite). */
  [key: string]: unknown;
}

/** Outputs of one run of an exported model on a batch. */
export interface RunOutputs {
  logits: Float32Array;
  probabilities: Float32Array;
  /** `[batch, classes]`. */
  shape: [number, number];
}

/** A loaded model in a real runtime. */
export interface ModelRunner {
  /** Raw pixels (0..255) NHWC for `count` images at the model's input size. */
  run(pixels: Float32Array, count: number): Promise<RunOutputs>;
  dispose(): Promise<void> | void;
  /** Name and version of the runtime, e.g. "onnxruntime-node 1.30.0". */
  readonly runtime: string;
}

export interface FormatPlugin {
  /** Stable id used on the command line: `onnx`, `tflite`, `tflite-int8`, `c-array`. */
  readonly id: string;
  readonly description: string;
  /** Extension of the main (model) file, with the dot. */
  readonly extension: string;
  /** A name for people, e.g. "TFLite int8" (default: the id). */
  readonly displayName?: string;
  /**
   * Appended to an output's base name before each file's extension, so that formats sharing an
   * extension do not overwrite each other: `_int8` makes `model_int8.tflite`. Default: none.
   */
  readonly stemSuffix?: string;
  /**
   * Output-name endings that mean this format (`-o model.cc` → C array); the longest match among
   * all registered formats wins. Default: `stemSuffix + extension`.
   */
  readonly outputEndings?: readonly string[];
  /** Quantised formats are compared to the float reference with a looser tolerance. */
  readonly quantized?: boolean;
  /** Writes the files. Throws a HypertxError (before any byte is returned) for a model it cannot express. */
  write(model: StandaloneCnn, options?: ExportOptions): Promise<ExportedFile[]>;
  /** Loads a model file this plugin wrote (the `model` role) in a real runtime; absent if none exists. */
  createRunner?(bytes: Uint8Array): Promise<ModelRunner>;
  /**
   * What a correct runtime outputs for the file `write(model, options)` produces, when that differs
   * from the float model (e.g. the simulated int8 graph of a quantised file). Verification compares
   * the runtime with this; without it, with the float outputs.
   */
  expectedOutputs?(model: StandaloneCnn, options: ExportOptions, pixels: Float32Array, count: number): Promise<RunOutputs | undefined> | RunOutputs | undefined;
}
