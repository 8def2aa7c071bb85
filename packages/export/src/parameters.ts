/**
 * The one definition of "parameters" that `hypertx inspect` reports for every format, so the same
 * network gives the same number as ONNX, TFLite (float or int8), C array and `.hxcnn`:
 *
 *   the weights of each conv2d and dense layer plus one bias per output channel (counted whether
 *   or not the file stores a bias: TFLite always writes one, ONNX and the IR may leave it out),
 *   plus a scale and a shift per channel (2·C) for each BatchNorm that cannot be folded into a
 *   neighbouring layer, however the format stores it (ONNX keeps 4 vectors, TFLite a 1×1
 *   depthwise conv). BatchNorms that fold away add nothing; the input normalisation, shape
 *   constants and quantisation parameters (scales, zero points) are not counted.
 *
 * Counting a bias that is not stored keeps the number independent of where folding put the
 * constants: a BatchNorm or the input normalisation folded into a conv gives it a bias in one
 * format and not in another, without changing what the network can express.
 */
import { foldBatchNorm } from './fold.js';
import type { StandaloneCnn } from './ir.js';

/** Parameters of the network as its files compute it (BatchNorm folded as the exporters fold it); see the module comment. */
export function countParameters(model: StandaloneCnn): number {
  let total = 0;
  for (const layer of foldBatchNorm(model).layers) {
    if (layer.type === 'conv2d' || layer.type === 'dense') {
      const shape = layer.weights.shape;
      total += layer.weights.data.length + shape[shape.length - 1]!; // HWIO / [in, out]: the last axis is the output channels
    } else if (layer.type === 'batchnorm') {
      total += 2 * layer.gamma.data.length;
    }
  }
  return total;
}
