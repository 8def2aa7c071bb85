/**
 * The one typed, JSON-serialisable description of a HyperTransformer (the paper's model and our
 * variants of it), its presets and validation. Field comments name the authors' flag where there
 * is one.
 */
import { CONFIG_SCHEMA, firstViolation } from './config-schema.js';
import { usageError } from './errors.js';

export type CnnActivation = 'relu' | 'lrelu';
export type TransformerActivation = 'relu' | 'lrelu' | 'gelu';
export type BnMode = 'support' | 'transductive';

export interface HyperTransformerConfig {
  /** Config schema version (bumped on incompatible changes). */
  version: 1;
  image: { height: number; width: number; channels: number };
  /**
   * Largest number of ways the model accepts. The label-embedding tables have `maxWays + 1` rows
   * (row `maxWays` = "no label") and the logits layer has `maxWays` weight tokens; an N-way episode
   * (2 ≤ N ≤ maxWays) uses labels 0..N-1 and the first N logits tokens. With N = maxWays this is
   * exactly the authors' model (`num_labels`).
   */
  maxWays: number;
  /** The generated CNN: `maxpool-4-layer` = layers × (conv → act → maxpool 2×2 → BatchNorm) → flatten → dense. */
  cnn: {
    /** Number of conv blocks (4 in the authors' `maxpool-4-layer`). */
    layers: number;
    /** Output channels of every conv block (`default_num_channels`), or one number per block. */
    channels: number | number[];
    /** `kernel_size` (3). */
    kernelSize: number;
    /** `stride` of the generated convs (the scripts use 1). */
    stride: number;
    /** `cnn_activation`: relu, or lrelu = leaky ReLU with alpha 0.01. */
    activation: CnnActivation;
    /** `lw_generate_bias`: generate a bias per conv output channel. */
    generateBias: boolean;
    /**
     * `number_of_trained_cnn_layers`: the first K conv blocks are ordinary trained weights (no
     * transformer). K = layers gives the logits-only variant. The logits layer is always generated.
     */
    trainedConvLayers: number;
    /**
     * `add_trainable_weights`: every generated conv kernel is a trained kernel plus the generated
     * one, so the transformer writes an episode-specific change to a learned base (off by default).
     */
    addTrainableWeights?: boolean;
    /**
     * The generated logits layer is a prototype classifier plus the generated weights: per class
     * c, kernel column 2·p_c and bias −|p_c|², p_c the mean embedding of c's labelled support
     * images (a ProtoNet's logits up to a per-query constant). The transformer writes a correction
     * to it. Off by default.
     */
    addPrototypeLogits?: boolean;
    /** BatchNorm epsilon (tf.layers.BatchNormalization default 1e-3). */
    bnEpsilon: number;
  };
  /** `embedding_dim` d: width of label and weight embeddings. */
  embeddingDim: number;
  /** `shared_feature_extractor` = 'N-layer' (null = none): convs 3×3, strides 2…2,1, ReLU, then GAP. */
  sharedFeatures: { layers: number; dim: number; padding: 'same' | 'valid' } | null;
  /** Per-layer local feature extractor (`num_layerwise_features`; 0 = max(in, out) channels). */
  localFeatures: { dim: number; layers: number };
  transformer: {
    /** `num_layers` encoder layers per generated layer. */
    layers: number;
    heads: number;
    /** `lw_key_query_dim`, `lw_value_dim`, `lw_inner_dim`: a fraction of E (a value > 3 is an absolute width). */
    keyQueryDim: number;
    valueDim: number;
    innerDim: number;
    /** `transformer_nonlinearity`: relu, lrelu (alpha 0.1) or gelu. */
    activation: TransformerActivation;
    /** Post-LN LayerNorm epsilon (1e-6 as the authors; TF.js's default 1e-3 would be wrong). */
    layerNormEpsilon: number;
  };
}

/** Training hyper-parameters that go with a preset (authors' scripts). */
export interface TrainingPreset {
  ways: number;
  shots: number;
  queriesPerClass: number;
  optimizer: 'sgd';
  learningRate: number;
  decayRate: number;
  decaySteps: number;
  steps: number;
}

export interface Preset {
  config: HyperTransformerConfig;
  training: TrainingPreset;
}

export type PresetName = 'omniglot-1shot' | 'omniglot-5shot' | 'miniimagenet-1shot';

function baseOmniglot(): HyperTransformerConfig {
  return {
    version: 1,
    image: { height: 28, width: 28, channels: 1 },
    maxWays: 20,
    cnn: { layers: 4, channels: 8, kernelSize: 3, stride: 1, activation: 'relu', generateBias: false, trainedConvLayers: 0, bnEpsilon: 1e-3 },
    embeddingDim: 32,
    sharedFeatures: { layers: 4, dim: 32, padding: 'same' },
    localFeatures: { dim: 8, layers: 2 },
    transformer: { layers: 3, heads: 2, keyQueryDim: 1, valueDim: 1, innerDim: 1, activation: 'relu', layerNormEpsilon: 1e-6 },
  };
}

/** Presets matching the authors' training scripts. */
export const PRESETS: Record<PresetName, () => Preset> = {
  'omniglot-1shot': () => ({
    config: baseOmniglot(),
    training: { ways: 20, shots: 1, queriesPerClass: 3, optimizer: 'sgd', learningRate: 0.02, decayRate: 0.95, decaySteps: 100_000, steps: 4_000_000 },
  }),
  'omniglot-5shot': () => ({
    config: baseOmniglot(),
    training: { ways: 20, shots: 5, queriesPerClass: 5, optimizer: 'sgd', learningRate: 0.02, decayRate: 0.95, decaySteps: 100_000, steps: 4_000_000 },
  }),
  'miniimagenet-1shot': () => ({
    config: {
      version: 1,
      image: { height: 84, width: 84, channels: 3 },
      maxWays: 5,
      cnn: { layers: 4, channels: 16, kernelSize: 3, stride: 1, activation: 'lrelu', generateBias: false, trainedConvLayers: 0, bnEpsilon: 1e-3 },
      embeddingDim: 32,
      sharedFeatures: { layers: 4, dim: 16, padding: 'same' },
      localFeatures: { dim: 16, layers: 2 },
      transformer: { layers: 3, heads: 8, keyQueryDim: 0.5, valueDim: 0.5, innerDim: 0.5, activation: 'lrelu', layerNormEpsilon: 1e-6 },
    },
    training: { ways: 5, shots: 1, queriesPerClass: 20, optimizer: 'sgd', learningRate: 0.01, decayRate: 0.95, decaySteps: 100_000, steps: 4_000_000 },
  }),
};

export function preset(name: PresetName): Preset {
  const make = PRESETS[name];
  if (!make) throw usageError('E_CONFIG_PRESET', `unknown preset "${String(name)}"`, { hint: `use one of ${Object.keys(PRESETS).join(', ')}` });
  return make();
}

// ---------------------------------------------------------------------------------------------
// Derived per-layer plan: features, weight-block sizes, token and transformer widths, computed as
// the authors' code does

export interface LocalFeConv {
  kernel: number;
  stride: number;
  inChannels: number;
  features: number;
}

export interface TransformerDims {
  /** Token width E. */
  width: number;
  keyQuery: number;
  value: number;
  inner: number;
  heads: number;
}

export interface ConvLayerPlan {
  kind: 'conv';
  index: number;
  inChannels: number;
  outChannels: number;
  /** Spatial size of the block input. */
  inHeight: number;
  inWidth: number;
  /** Conv output (before pooling). */
  convHeight: number;
  convWidth: number;
  /** Block output (after 2×2 max pool). */
  outHeight: number;
  outWidth: number;
  generated: boolean;
  /** Only for generated layers: */
  blockSize: number;
  tokens: number;
  localFe: LocalFeConv[];
  localFeatures: number;
  dims: TransformerDims;
}

export interface LogitsLayerPlan {
  kind: 'logits';
  index: number;
  /** Flattened input size n = H·W·C. */
  inputSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  /** n + 1 (kernel column + bias). */
  blockSize: number;
  /** maxWays weight tokens. */
  tokens: number;
  localFe: LocalFeConv[];
  localFeatures: number;
  dims: TransformerDims;
}

export type LayerPlan = ConvLayerPlan | LogitsLayerPlan;

export interface ModelPlan {
  layers: ConvLayerPlan[];
  logits: LogitsLayerPlan;
  sharedDim: number;
  /** Shared FE convs (kernel 3, stride 2…2,1). */
  shared: { stride: number; inChannels: number; features: number }[];
}

export function channelsOf(config: HyperTransformerConfig, layer: number): number {
  const c = config.cnn.channels;
  return Array.isArray(c) ? (c[layer] as number) : c;
}

/** `get_size`: int(E·frac) rounded up to a multiple of heads; a frac > 3 is an absolute size. */
function sizeOf(frac: number, width: number, heads: number): number {
  let dim = frac > 3 ? Math.floor(frac) : Math.floor(width * frac);
  if (dim % heads !== 0) dim += heads - (dim % heads);
  return dim;
}

/** SimpleConvFeatureExtractor: kernel shrinks to the input when smaller; a conv is skipped once the tensor is smaller than the kernel. */
function localFePlan(inH: number, inW: number, inChannels: number, features: number, layers: number, kernel: number): LocalFeConv[] {
  const size = Math.min(inH, inW);
  let k = kernel;
  let defStride = 2;
  if (size < k) {
    k = size;
    defStride = 1;
  }
  const convs: LocalFeConv[] = [];
  if (features <= 0) return convs;
  let h = inH;
  let w = inW;
  let c = inChannels;
  for (let i = 0; i < layers; i++) {
    if (Math.min(h, w) < k) break;
    const stride = i < layers - 1 ? defStride : 1;
    convs.push({ kernel: k, stride, inChannels: c, features });
    h = Math.floor((h - k) / stride) + 1;
    w = Math.floor((w - k) / stride) + 1;
    c = features;
  }
  return convs;
}

function transformerDims(config: HyperTransformerConfig, width: number): TransformerDims {
  const t = config.transformer;
  return {
    width,
    heads: t.heads,
    keyQuery: sizeOf(t.keyQueryDim, width, t.heads),
    value: sizeOf(t.valueDim, width, t.heads),
    inner: sizeOf(t.innerDim, width, t.heads),
  };
}

export function planModel(config: HyperTransformerConfig): ModelPlan {
  validateConfig(config);
  const d = config.embeddingDim;
  const sf = config.sharedFeatures;
  const sharedDim = sf ? sf.dim : 0;
  const shared: ModelPlan['shared'] = [];
  if (sf) {
    for (let i = 0; i < sf.layers; i++) {
      shared.push({ stride: i < sf.layers - 1 ? 2 : 1, inChannels: i === 0 ? config.image.channels : sf.dim, features: sf.dim });
    }
  }
  const k = config.cnn.kernelSize;
  const s = config.cnn.stride;
  const layers: ConvLayerPlan[] = [];
  let h = config.image.height;
  let w = config.image.width;
  let c = config.image.channels;
  for (let i = 0; i < config.cnn.layers; i++) {
    const out = channelsOf(config, i);
    const convH = Math.ceil(h / s);
    const convW = Math.ceil(w / s);
    const outH = Math.floor((convH - 2) / 2) + 1;
    const outW = Math.floor((convW - 2) / 2) + 1;
    if (outH < 1 || outW < 1) {
      throw usageError('E_CONFIG_TOO_DEEP', `cnn.layers = ${config.cnn.layers} pools a ${config.image.height}×${config.image.width} image below 1×1 at block ${i + 1}`, { hint: 'use fewer layers or larger images' });
    }
    const generated = i >= config.cnn.trainedConvLayers;
    const features = config.localFeatures.dim > 0 ? config.localFeatures.dim : Math.max(c, out);
    const localFe = generated ? localFePlan(h, w, c, features, config.localFeatures.layers, k) : [];
    const localFeatures = localFe.length * features;
    const blockSize = k * k * c + (config.cnn.generateBias ? 1 : 0);
    const width = Math.max(d + blockSize, d + localFeatures + sharedDim);
    layers.push({
      kind: 'conv', index: i, inChannels: c, outChannels: out, inHeight: h, inWidth: w, convHeight: convH, convWidth: convW,
      outHeight: outH, outWidth: outW, generated, blockSize, tokens: out, localFe, localFeatures, dims: transformerDims(config, width),
    });
    h = outH;
    w = outW;
    c = out;
  }
  const n = h * w * c;
  const logitsFeatures = config.localFeatures.dim > 0 ? config.localFeatures.dim : c;
  const logitsFe = localFePlan(h, w, c, logitsFeatures, 1, k);
  const logitsLocal = logitsFe.length * logitsFeatures;
  const blockSize = n + 1;
  const width = Math.max(d + blockSize, d + logitsLocal + sharedDim);
  const logits: LogitsLayerPlan = {
    kind: 'logits', index: config.cnn.layers, inputSize: n, inHeight: h, inWidth: w, inChannels: c, blockSize,
    tokens: config.maxWays, localFe: logitsFe, localFeatures: logitsLocal, dims: transformerDims(config, width),
  };
  return { layers, logits, sharedDim, shared };
}

/** A value for a message: NaN and Infinity as themselves, long values cut. */
export function showValue(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Throws E_CONFIG_INVALID (a usage error: configs come from recipes and code) naming the first
 * field outside CONFIG_SCHEMA and what it allows. Checkpoint readers re-throw it as an input error
 * naming the file.
 */
export function validateConfig(config: HyperTransformerConfig): void {
  const violation = firstViolation(CONFIG_SCHEMA, config, 'config');
  if (violation) {
    const shown = violation.value === undefined ? 'missing' : `= ${showValue(violation.value)}`;
    throw usageError('E_CONFIG_INVALID', `${violation.field} ${shown} is invalid: ${violation.allowed}`, { hint: 'start from a preset: preset("omniglot-1shot").config' });
  }
  if (config.cnn.trainedConvLayers > config.cnn.layers) {
    throw usageError('E_CONFIG_INVALID', `config.cnn.trainedConvLayers = ${config.cnn.trainedConvLayers} is invalid: an integer in 0..${config.cnn.layers} (cnn.layers)`, { hint: 'start from a preset: preset("omniglot-1shot").config' });
  }
}

/** Stable JSON for comparing configs (checkpoint mismatch detection). */
export function configKey(config: HyperTransformerConfig): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(config));
}
