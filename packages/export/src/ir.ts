/**
 * The StandaloneCnn IR: a plain-data description of a small CNN that a HyperTransformer
 * generated (or anyone wrote). Every exporter reads this and nothing else.
 *
 * Conventions (one for every exporter: 'The IR and the checkpoints are plain data' in
 * docs/architecture.md):
 * - activations are NHWC; conv weights are HWIO `[kh, kw, cin, cout]`; dense weights `[in, out]`;
 * - all tensors are float32;
 * - the model takes RAW pixel values (0..255, float) and applies `input.normalization` itself:
 *   `x = pixel * scale[c] + offset[c]` per channel, so an edge device only resizes and feeds pixels;
 * - `layers` map the normalised input to **logits**; every exporter adds a softmax for the
 *   `probabilities` output. A trailing `softmax` layer in `layers` is allowed and then marks where
 *   logits end (its input is the logits output).
 */

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface InputNormalization {
  /** Per-channel multiplier applied to raw 0..255 pixels (length = channels). */
  scale: number[];
  /** Per-channel offset added after scaling (length = channels). */
  offset: number[];
  /** Human-readable description, e.g. "x/128-1, ink bright" or "(255-x)/128-1, ink dark". */
  description?: string;
}

export interface InputSpec {
  height: number;
  width: number;
  channels: number;
  normalization: InputNormalization;
}

export interface Conv2dLayer {
  type: 'conv2d';
  /** HWIO `[kh, kw, cin, cout]`. */
  weights: Tensor;
  /** `[cout]`, optional. */
  bias?: Tensor;
  stride: number;
  padding: 'same' | 'valid';
}

export interface BatchNormLayer {
  type: 'batchnorm';
  mean: Tensor;
  variance: Tensor;
  gamma: Tensor;
  beta: Tensor;
  epsilon: number;
}

export interface ReluLayer {
  type: 'relu';
}

export interface LeakyReluLayer {
  type: 'leaky_relu';
  alpha: number;
}

export interface Pool2dLayer {
  type: 'maxpool2d' | 'avgpool2d';
  size: number;
  stride: number;
  padding: 'same' | 'valid';
}

export interface GlobalAvgPoolLayer {
  type: 'global_avg_pool';
}

export interface FlattenLayer {
  type: 'flatten';
}

export interface DenseLayer {
  type: 'dense';
  /** `[in, out]`. */
  weights: Tensor;
  /** `[out]`. */
  bias?: Tensor;
}

export interface SoftmaxLayer {
  type: 'softmax';
}

export type Layer =
  | Conv2dLayer
  | BatchNormLayer
  | ReluLayer
  | LeakyReluLayer
  | Pool2dLayer
  | GlobalAvgPoolLayer
  | FlattenLayer
  | DenseLayer
  | SoftmaxLayer;

export type LayerType = Layer['type'];

export interface ModelMetadata {
  /** Tool that made the model, e.g. "hypertx 0.1.0". */
  producer: string;
  /** Id of the HyperTransformer (or other source) that generated the weights. */
  modelId?: string;
  /** sha256 (hex) over the support images, labels, class names and normalisation the weights were generated from. */
  supportSetHash?: string;
  /** Free-form extra provenance (strings only, so every format can carry it). */
  extra?: Record<string, string>;
}

export interface StandaloneCnn {
  input: InputSpec;
  /** Class names in output order. */
  labels: string[];
  layers: Layer[];
  metadata: ModelMetadata;
}
