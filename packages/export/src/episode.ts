/**
 * Episodes as every package sees them: `@hypertx/data` samples them, `@hypertx/core` trains and
 * generates from them. Types only; they live here because both packages depend on this one.
 */

/** Images as a model sees them: normalised floats, NHWC. */
export interface ImageBatch {
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** One few-shot task: N ways, a support set (labelled and unlabelled) and a query set. */
export interface Episode {
  /** N: the number of classes in this episode. */
  ways: number;
  /** Support images in any order; `supportLabels` says which is which. */
  support: ImageBatch;
  /** 0..N-1, or -1 for an unlabelled support image. */
  supportLabels: Int32Array;
  query: ImageBatch;
  /** 0..N-1. */
  queryLabels: Int32Array;
  /** Source class index of each way (sampled episodes always have it; for debugging and evaluation). */
  classIds?: number[];
}
