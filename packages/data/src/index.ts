/**
 * @hypertx/data: few-shot sources, splits, augmentation, the episode sampler and support-set
 * loading. Output: Float32Array NHWC batches and Int32Array labels.
 */
export * from './types.js';
export { DATA_ERROR_CODES, type DataErrorCode } from './errors.js';
export { Random, hashSeed, deriveSeed, mix32, type Seed } from '@hypertx/export';
export * from './normalization.js';
export { resizeImage, rotate90 } from './resample.js';
export * from './sources/omniglot.js';
export * from './sources/glyphs.js';
export * from './sources/subset.js';
export * from './sources/folder.js';
export * from './splits.js';
export * from './sampler.js';
export { decodeImageFile, decodeImageBytes, loadImageRaw, borderMedian, DEFAULT_MAX_INPUT_PIXELS, IMAGE_EXTENSIONS, type DecodeOptions, type ResizeFit } from './decode.js';
export * from './decode-many.js';
export * from './ink.js';
export { scanImageFolder, compareNames, type FolderLayout, type ScanOptions, type ScannedClass, type ScannedFolder } from './scan.js';
export * from './support.js';
export * from './query.js';
