import { HypertxError, type ExportOptions } from '@hypertx/export';

export const DEFAULT_OPSET = 13;
export const MIN_OPSET = 9;
export const MAX_OPSET = 17;
/** ONNX IR version written (onnx 1.10, what onnx-proto 8.0.1 describes). */
export const IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Default-domain opset, 9..17 (default 13). Below 13, Softmax uses the old 2-D semantics with axis 1. */
  opset?: number;
  /**
   * Fold BatchNorm into neighbouring conv/dense layers first (default true). BatchNorms that
   * cannot be folded exactly become BatchNormalization nodes either way.
   */
  foldBatchNorm?: boolean;
}

export interface ResolvedOnnxOptions {
  opset: number;
  foldBatchNorm: boolean;
}

function optionError(message: string): HypertxError {
  return new HypertxError('E_OPTION', message, { kind: 'usage', hint: `ONNX options: opset ${MIN_OPSET}..${MAX_OPSET}, foldBatchNorm true|false.` });
}

export function resolveOptions(options: ExportOptions | OnnxExportOptions = {}): ResolvedOnnxOptions {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (typeof opset !== 'number' || !Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw optionError(`ONNX opset ${JSON.stringify(opset)} is not supported; use an integer from ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  const fold = options.foldBatchNorm ?? true;
  if (typeof fold !== 'boolean') throw optionError(`foldBatchNorm must be true or false, not ${JSON.stringify(fold)}`);
  return { opset, foldBatchNorm: fold };
}
