/** Typed errors of @hypertx/export-tflite (all HypertxError, see @hypertx/export). */
import { HypertxError } from '@hypertx/export';

/** Bytes that are not a readable .tflite file. */
export class TfliteFormatError extends HypertxError {
  constructor(message: string, cause?: unknown) {
    super('E_TFLITE_MALFORMED', message, {
      kind: 'input',
      hint: 'Pass a .tflite file written by hypertx (or another TFLite converter); the file may be truncated.',
      cause,
    });
  }
}

/** A StandaloneCnn that this exporter cannot express as TFLite. */
export function unsupportedModel(message: string, hint?: string): HypertxError {
  return new HypertxError('E_TFLITE_UNSUPPORTED', message, {
    kind: 'input',
    hint: hint ?? 'Check the model with `hypertx inspect`; only the StandaloneCnn layer set is supported.',
  });
}

/** Bad exporter options (unknown `io`, `precision`, missing or malformed calibration). */
export function invalidOption(code: string, message: string, hint: string): HypertxError {
  return new HypertxError(code, message, { kind: 'usage', hint });
}

/** LiteRT.js failed to load, compile or run a model, or produced an implausible output. */
export function runtimeFailure(message: string, cause?: unknown): HypertxError {
  return new HypertxError('E_TFLITE_RUNTIME', message, {
    kind: 'verification',
    hint: 'The file did not run in LiteRT.js; re-export it, or report a bug with the file attached.',
    cause,
  });
}
