import type { Episode, ImageBatch } from '@hypertx/export';

export type { Episode, ImageBatch };

/** One few-shot task as the sampler draws it: the shared `Episode`, always with the source class of each way. */
export interface SampledEpisode extends Episode {
  /** Source class index of each way (for debugging/eval). */
  classIds: number[];
}

/** Affine map from raw 0..255 pixels to model floats, per channel: x = p*scale[c] + offset[c]. */
export interface PixelNormalization {
  scale: number[];
  offset: number[];
  description?: string;
}

export interface ImageSize {
  height: number;
  width: number;
}

/** One class of a few-shot source. `group` is the alphabet (Omniglot), the folder tree's parent, etc. */
export interface FewShotClass {
  name: string;
  group: string;
  imageCount: number;
}

/**
 * Raw pixels of one image: 0..255 values, row-major HWC with `channels` values per pixel.
 * Sources may return a view into a cache: callers must not write to it.
 */
export type RawImage = Uint8Array | Float32Array;

/**
 * Anything that can hand out labelled images by (class, image) index. Synchronous so that the
 * episode sampler stays fast: sources decode up front (or render on demand) and cache in memory.
 */
export interface FewShotSource {
  /** Human-readable description, used in error messages. */
  readonly name: string;
  readonly classes: readonly FewShotClass[];
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: number;
  /** The size images are stored at, when the source has one (reading at it is cheapest). */
  readonly nativeSize?: ImageSize;
  /** Raw 0..255 pixels of image `imageIndex` of class `classIndex`, resized to `size`. */
  readImage(classIndex: number, imageIndex: number, size: ImageSize): RawImage;
  /** Optional pool of unlabelled images (e.g. an image folder's `_unlabeled/`). */
  readonly unlabeled?: UnlabeledPool;
}

export interface UnlabeledPool {
  readonly count: number;
  readImage(index: number, size: ImageSize): RawImage;
}
