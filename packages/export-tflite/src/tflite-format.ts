/** The `tflite` (float32) and `tflite-int8` (full-integer) format plugins. */
import { HypertxError, hypertxMetadata, validate, type ExportOptions, type StandaloneCnn } from '@hypertx/export';
import { emitFloatGraph } from './emit-float.js';
import { DEFAULT_LOGITS_RANGE_MARGIN, DEFAULT_RANGE_MARGIN, emitInt8Graph, INT8_INPUT_QUANTIZATION, type Int8Calibration, type Int8Io } from './emit-int8.js';
import { invalidOption } from './errors.js';
import type { TfliteGraph } from './graph.js';
import { buildPlan, type Plan } from './plan.js';
import { HYPERTX_METADATA_NAME, type GraphFrame } from './signature.js';
import { serializeTflite } from './write-flatbuffer.js';
// simulate.ts imports buildTfliteGraph from here: the cycle is only used at call time.

export type TflitePrecision = 'float32' | 'int8';

export interface TfliteExportOptions {
  /** Float I/O (QUANTIZE/DEQUANTIZE inside the file) or int8 I/O. int8 only; default 'float'. */
  io?: Int8Io;
  /** Required for int8: raw 0..255 NHWC pixels (support set + unlabelled images). */
  calibration?: Int8Calibration;
  /** int8 only: headroom added to each calibrated range, as a fraction of its width (default 0.1). */
  rangeMargin?: number;
  /** int8 only: the same for the logits tensor (default 0.25; clipping there costs the most). */
  logitsRangeMargin?: number;
}

/** Writes a .tflite file. Validates the model and the options before producing any byte. */
export function exportTflite(model: StandaloneCnn, precision: TflitePrecision, options: ExportOptions = {}): Uint8Array {
  return serializeTflite(buildTfliteGraph(model, precision, options));
}

/** The graph `exportTflite` serialises (exposed for tests that interpret it). */
export function buildTfliteGraph(model: StandaloneCnn, precision: TflitePrecision, options: ExportOptions = {}): TfliteGraph {
  validate(model); // E_IR_INVALID first: the model is at fault before any option is
  const io = readIo(options, precision);
  const calibration = precision === 'int8' ? readCalibration(model, options) : undefined;
  const margins = {
    hidden: readMargin(options, 'rangeMargin', DEFAULT_RANGE_MARGIN),
    logits: readMargin(options, 'logitsRangeMargin', DEFAULT_LOGITS_RANGE_MARGIN),
  };
  const plan = buildPlan(model);
  const frame = graphFrame(model, plan, precision, io);
  return calibration ? emitInt8Graph(plan, frame, calibration, io, margins) : emitFloatGraph(plan, frame);
}

function graphFrame(model: StandaloneCnn, plan: Plan, precision: TflitePrecision, io: Int8Io): GraphFrame {
  const extra: Record<string, string> = {
    format: precision === 'int8' ? 'tflite-int8' : 'tflite',
    precision,
    batch: '1',
    normalization: plan.normalization,
  };
  if (precision === 'int8') {
    extra['io'] = io;
    if (io === 'int8') {
      extra['inputQuantization'] = `scale=${INT8_INPUT_QUANTIZATION.scale} zeroPoint=${INT8_INPUT_QUANTIZATION.zeroPoint} (q = pixel - 128)`;
    }
  }
  const json = JSON.stringify(hypertxMetadata(model, extra));
  return {
    description: `hypertx ${precision} CNN: ${model.labels.length} classes, input ${model.input.height}x${model.input.width}x${model.input.channels} raw pixels`,
    metadata: [{ name: HYPERTX_METADATA_NAME, data: new TextEncoder().encode(json) }],
  };
}

function readIo(options: ExportOptions, precision: TflitePrecision): Int8Io {
  const io = options['io'];
  if (io === undefined) return 'float';
  if (io !== 'float' && io !== 'int8') {
    throw invalidOption('E_OPTION_INVALID', `option io is ${JSON.stringify(io)}; expected 'float' or 'int8'`, "Use io: 'float' (default) or io: 'int8'.");
  }
  if (io === 'int8' && precision !== 'int8') {
    throw invalidOption('E_OPTION_INVALID', "option io: 'int8' needs the tflite-int8 format", 'Use the tflite-int8 format for int8 input/output.');
  }
  return io;
}

function readMargin(options: ExportOptions, name: 'rangeMargin' | 'logitsRangeMargin', fallback: number): number {
  const margin = options[name];
  if (margin === undefined) return fallback;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 10) {
    throw invalidOption('E_OPTION_INVALID', `option ${name} is ${JSON.stringify(margin)}; expected a number in [0, 10]`, `Use e.g. ${name}: ${fallback} (that fraction of each calibrated range added as headroom at both ends).`);
  }
  return margin;
}

function readCalibration(model: StandaloneCnn, options: ExportOptions): Int8Calibration {
  const calibration = options.calibration;
  if (!calibration) {
    throw invalidOption(
      'E_CALIBRATION_MISSING',
      'int8 export needs calibration images (options.calibration), none were given',
      'Pass the support set (and unlabelled images) as calibration: { pixels, count } with raw 0..255 NHWC pixels.',
    );
  }
  const { pixels, count } = calibration;
  const { height, width, channels } = model.input ?? {};
  const expected = count * height * width * channels;
  if (!(pixels instanceof Float32Array) || !Number.isInteger(count) || count < 1 || pixels.length !== expected) {
    throw new HypertxError(
      'E_CALIBRATION_INVALID',
      `calibration has ${pixels?.length ?? 0} values for count ${count}; ${count} image(s) of ${height}x${width}x${channels} need ${expected}`,
      { kind: 'input', hint: 'Pass raw 0..255 NHWC pixels resized to the model input, as a Float32Array.' },
    );
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i]!)) {
      throw new HypertxError('E_CALIBRATION_INVALID', `calibration pixel ${i} is ${pixels[i]}`, {
        kind: 'input',
        hint: 'Calibration pixels must be finite raw 0..255 values.',
      });
    }
  }
  return { pixels, count };
}

