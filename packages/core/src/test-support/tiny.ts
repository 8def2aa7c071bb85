/** Small configs and helpers shared by the tests (not published). */
import type { HyperTransformerConfig } from '../config.js';
import { initBackend } from '../backend.js';

export function tinyConfig(overrides: Partial<HyperTransformerConfig> = {}): HyperTransformerConfig {
  return {
    version: 1,
    image: { height: 12, width: 12, channels: 1 },
    maxWays: 4,
    cnn: { layers: 2, channels: 4, kernelSize: 3, stride: 1, activation: 'relu', generateBias: false, trainedConvLayers: 0, bnEpsilon: 1e-3 },
    embeddingDim: 8,
    sharedFeatures: { layers: 2, dim: 8, padding: 'same' },
    localFeatures: { dim: 4, layers: 2 },
    transformer: { layers: 1, heads: 2, keyQueryDim: 1, valueDim: 1, innerDim: 1, activation: 'relu', layerNormEpsilon: 1e-6 },
    ...overrides,
  };
}

let ready: Promise<unknown> | null = null;
export function useWasm(): Promise<unknown> {
  ready ??= initBackend('wasm');
  return ready;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
