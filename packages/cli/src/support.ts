/** Loading support folders as RAW pixels (what an exported model takes), for verify and compile. */
import { loadSupportSet, type SupportSet } from '@hypertx/data';

export interface RawSupport {
  classNames: string[];
  /** Raw 0..255 pixels, NHWC, labelled images only. */
  pixels: Float32Array;
  count: number;
  labels: Int32Array;
  files: string[];
}

/** Loads `dir` at the model's input size as raw pixels; no ink detection (the file's own normalisation applies). */
export async function loadRawSupport(dir: string, input: { height: number; width: number; channels: number }): Promise<RawSupport> {
  const identity = { scale: new Array(input.channels).fill(1), offset: new Array(input.channels).fill(0), description: 'raw' };
  const set: SupportSet = await loadSupportSet(dir, {
    height: input.height,
    width: input.width,
    channels: input.channels as 1 | 3,
    normalization: identity,
    ink: 'bright',
    unlabeledDir: null,
  });
  return { classNames: set.classNames, pixels: set.images.pixels, count: set.images.count, labels: set.labels, files: set.files };
}
