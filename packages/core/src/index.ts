export * from './config.js';
export * from './episode.js';
export * from './backend.js';
export { Rng, type RngState } from './rng.js';
export { makeSyntheticEpisode, type SyntheticEpisodeOptions } from './synthetic.js';
export { createHyperTransformer, modelFromValues, parameterCount, type HyperTransformer } from './model/hypertransformer.js';
export { forward, crossEntropy, type ForwardOptions, type ForwardResult, type BlockWeights } from './model/forward.js';
