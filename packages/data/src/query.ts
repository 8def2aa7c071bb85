/**
 * Loading labelled query images (for accuracy checks) with a support set's exact pixel map:
 * `dir/<class>/<images>`, where every class folder must be one of the support set's classes.
 * No ink detection or levels here: the given normalisation is applied as is.
 */
import { decodeFiles, type DecodeProgressCallback } from './decode-many.js';
import { checkDecodeOptions, type ResizeFit } from './decode.js';
import { DATA_ERROR_CODES, dataError } from './errors.js';
import { normalizeInto, perChannel } from './normalization.js';
import { scanImageFolder } from './scan.js';
import type { ImageBatch, PixelNormalization } from './types.js';

export interface LoadQuerySetOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Labels index into these names (usually `supportSet.classNames`). */
  classNames: readonly string[];
  /** Applied to raw pixels as is (usually `supportSet.normalization`). */
  normalization: PixelNormalization;
  fit?: ResizeFit;
  maxInputPixels?: number;
  onProgress?: DecodeProgressCallback;
}

export interface QuerySet {
  images: ImageBatch;
  /** Index into `classNames` of each image. */
  labels: Int32Array;
  files: string[];
  skipped: string[];
}

export async function loadQuerySet(dir: string, options: LoadQuerySetOptions): Promise<QuerySet> {
  checkDecodeOptions(options);
  const { height, width, channels } = options;
  const norm = perChannel(options.normalization, channels);
  const scanned = await scanImageFolder(dir, { unlabeledDir: null });
  const index = new Map(options.classNames.map((n, i) => [n, i] as const));
  const files: string[] = [];
  const labels: number[] = [];
  for (const c of scanned.classes) {
    const label = index.get(c.name);
    if (label === undefined) {
      throw dataError(DATA_ERROR_CODES.queryUnknownClass, `query folder "${c.name}" is not a class of the support set: ${c.dir}`, {
        path: c.dir,
        hint: `Known classes: ${options.classNames.slice(0, 30).join(', ')}`,
      });
    }
    for (const f of c.files) {
      files.push(f);
      labels.push(label);
    }
  }
  if (files.length === 0) throw dataError(DATA_ERROR_CODES.sourceEmpty, `query folder ${scanned.root} has no images in class folders`, { path: scanned.root });
  const decodeOptions = { height, width, channels, ...(options.fit ? { fit: options.fit } : {}), ...(options.maxInputPixels ? { maxInputPixels: options.maxInputPixels } : {}) };
  const raw = await decodeFiles(files, decodeOptions, options.onProgress);
  const per = height * width * channels;
  const pixels = new Float32Array(raw.length * per);
  raw.forEach((img, i) => normalizeInto(img, channels, norm, pixels, i * per));
  return { images: { pixels, count: raw.length, height, width, channels }, labels: Int32Array.from(labels), files, skipped: scanned.skipped };
}
