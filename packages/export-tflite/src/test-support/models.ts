/** Test models beyond @hypertx/export/testing. */
import type { StandaloneCnn } from '@hypertx/export';
import { paperOmniglotCnn } from '@hypertx/export/testing';

/** The HyperTransformer's block order (core/generate.ts): conv → maxpool → relu → batchnorm. */
export function coreShapedCnn(seed: number, activation: 'relu' | 'leaky_relu' = 'relu'): StandaloneCnn {
  const model = paperOmniglotCnn(seed);
  const layers = [...model.layers];
  for (let i = 0; i + 3 < layers.length; i += 4) {
    if (layers[i]!.type === 'conv2d' && layers[i + 1]!.type === 'relu' && layers[i + 2]!.type === 'maxpool2d') {
      [layers[i + 1], layers[i + 2]] = [layers[i + 2]!, activation === 'relu' ? { type: 'relu' } : { type: 'leaky_relu', alpha: 0.01 }];
    }
  }
  return { ...model, layers };
}

