/** Loading support folders as RAW pixels (what an exported model takes), for verify. */
import type { SupportSet } from '@hypertx/data';

export interface RawSupport {
  classNames: string[];
  /** Raw 0..255 pixels, NHWC, labelled images only. */
  pixels: Float32Array;
  count: number;
  labels: Int32Array;
  files: string[];
  /** Raw pixels of the labelled then the unlabelled images (`_unlabeled/`): what compile calibrates int8 files on. */
  calibration: { pixels: Float32Array; count: number };
}

/** Loads `dir` at the model's input size as raw pixels; no ink detection (the file's own normalisation applies). */
export async function loadRawSupport(
  dir: string,
  input: { height: number; width: number; channels: number },
  /** `unlabeled`: a folder, or `undefined` for `<dir>/_unlabeled` when present (as compile); `null` for none. `maxInputPixels`: the decode limit. */
  options: { unlabeled?: string | null; maxInputPixels?: number } = { unlabeled: null },
): Promise<RawSupport> {
  const identity = { scale: new Array(input.channels).fill(1), offset: new Array(input.channels).fill(0), description: 'raw' };
  const { loadSupportSet } = await import('@hypertx/data');
  const set: SupportSet = await loadSupportSet(dir, {
    height: input.height,
    width: input.width,
    channels: input.channels as 1 | 3,
    normalization: identity,
    ink: 'bright',
    // Absent (undefined) means `<dir>/_unlabeled` when present, as documented above.
    ...(options.unlabeled !== undefined ? { unlabeledDir: options.unlabeled } : {}),
    ...(options.maxInputPixels !== undefined ? { maxInputPixels: options.maxInputPixels } : {}),
  });
  const raw = { classNames: set.classNames, pixels: set.images.pixels, count: set.images.count, labels: set.labels, files: set.files };
  const extra = set.unlabeled;
  if (!extra || extra.count === 0) return { ...raw, calibration: { pixels: raw.pixels, count: raw.count } };
  const pixels = new Float32Array(raw.pixels.length + extra.pixels.length);
  pixels.set(raw.pixels);
  pixels.set(extra.pixels, raw.pixels.length);
  return { ...raw, calibration: { pixels, count: raw.count + extra.count } };
}
