/**
 * TensorFlow "same"/"valid" window arithmetic, the canonical padding semantics of the IR.
 * Exporters use `windowPadding` to write explicit (possibly asymmetric) pads.
 */

/** Output length of a window op along one axis. May be ≤ 0 for "valid" windows that do not fit. */
export function spatialOutputSize(
  inSize: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): number {
  return padding === 'same' ? Math.ceil(inSize / stride) : Math.floor((inSize - kernel) / stride) + 1;
}

export interface AxisPadding {
  /** Zero (or ignored) cells added before the first input cell (top / left). */
  before: number;
  /** Cells added after the last input cell (bottom / right); gets the extra one when the total is odd. */
  after: number;
  /** Output length. */
  out: number;
}

/** TF semantics: pad_total = max((out-1)*stride + kernel - in, 0), extra cell at the end. */
export function windowPadding(
  inSize: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): AxisPadding {
  const out = spatialOutputSize(inSize, kernel, stride, padding);
  if (padding === 'valid') return { before: 0, after: 0, out };
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}
