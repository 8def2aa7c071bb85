/**
 * The forward pass of a meta-batch of the paper's HyperTransformer, T episodes at once:
 *
 *   shared = SharedFE(support images)                                   [T·S, Ds]
 *   for each conv block l: tokens(localFE_l(support activations), shared, label embedding)
 *       → transformer_l (all T episodes as [T·seq, E]) → per-episode kernels [T, k, k, Cin, Cout]
 *       → conv (per episode) → maxpool → act → BatchNorm(support statistics)
 *   logits layer: same token scheme → per-episode [n, N] kernel + [N] bias → query logits.
 *
 * Support and query images of an episode travel together through each generated conv (one conv
 * per episode and layer). BatchNorm statistics come from the support part (labelled + unlabelled)
 * and are applied to support and query alike (`bnMode: 'support'`, so the exported CNN computes
 * what training measured: 'What ships is what was trained' in docs/architecture.md); with
 * `'transductive'` the query part uses its own batch statistics, as the authors' code does.
 * A model with a `bnPrior` blends its population statistics into the support statistics
 * (bn-prior.ts): what few support images say about a channel is shrunk towards what it usually is.
 *
 * Order note: the authors apply act then maxpool; we apply maxpool then act. For ReLU and leaky
 * ReLU (monotone non-decreasing) the two are identical, and pooling first runs the activation on
 * 4× fewer values.
 */
import type { BnMode, ConvLayerPlan, HyperTransformerConfig, LogitsLayerPlan, TransformerDims } from '../config.js';
import type { MetaBatch } from '../episode.js';
import { batchedEpisodeConv2d, canBatchEpisodeConv } from '../ops/batched-conv.js';
import { conv2d, episodeConv2d } from '../ops/conv.js';
import { dense, matMul2d } from '../ops/dense.js';
import { layerNorm } from '../ops/layer-norm.js';
import { maxPool } from '../ops/pool.js';
import { tf } from '../tf.js';
import { type BnPrior, type LayerPrior, blendMoments, layerPrior } from './bn-prior.js';
import type { HyperTransformer } from './hypertransformer.js';

export interface ForwardOptions {
  bnMode?: BnMode;
  /** Overrides the model's own `bnPrior` (null: support statistics alone). */
  bnPrior?: BnPrior | null;
  /** How the generated (per-episode) convs run; default: `defaultEpisodeConv()` of the backend. */
  episodeConv?: EpisodeConvForm;
}

/**
 * 'batched': one im2col + one batched matMul for all episodes of a layer, so the kernel dispatches
 * of a step do not grow with its episodes (ops/batched-conv.ts; stride 1, else per-episode).
 * 'per-episode': one Conv2D per episode and layer (ops/conv.ts), forward and backward.
 */
export type EpisodeConvForm = 'batched' | 'per-episode';

/**
 * The form a backend runs faster. On wasm a dispatch costs microseconds and XNNPACK's direct
 * convolution beat im2col + matMul (measured: a 20-way 1-shot step of 8 episodes took about 1.4×
 * the CPU time batched); a GPU backend (webgpu, webgl) pays per dispatch, and the cpu backend
 * measured even. The native `tensorflow` backend keeps the per-episode form it always ran until
 * someone measures it (`npm run bench:train -- --backends node`).
 */
export function defaultEpisodeConv(backend: string = tf.getBackend()): EpisodeConvForm {
  return backend === 'wasm' || backend === 'tensorflow' ? 'per-episode' : 'batched';
}

/** What one conv block ended up using, per episode. */
export interface BlockWeights {
  /** `[T, k, k, Cin, Cout]` generated kernels, or null for a trained block (use `cnn/conv{l}/kernel`). */
  kernel: tf.Tensor5D | null;
  /** `[T, Cout]` generated bias (cnn.generateBias). */
  bias: tf.Tensor2D | null;
  /** Support-set BatchNorm statistics `[T, C]`. */
  mean: tf.Tensor2D;
  variance: tf.Tensor2D;
}

export interface ForwardResult {
  /** `[T, Q, N]` query logits (null when the batch has no queries). */
  logits: tf.Tensor3D | null;
  blocks: BlockWeights[];
  /** `[T, n, N]` and `[T, N]`. */
  logitsKernel: tf.Tensor3D;
  logitsBias: tf.Tensor2D;
}

type Views = Map<string, tf.Tensor>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parameter views have the rank their spec says
type AnyTensor = tf.Tensor<any>;

function view(views: Views, name: string): AnyTensor {
  const t = views.get(name);
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}

export function activate(x: tf.Tensor, kind: 'relu' | 'lrelu' | 'gelu', lreluAlpha: number): tf.Tensor {
  if (kind === 'relu') return tf.relu(x);
  if (kind === 'lrelu') return tf.leakyRelu(x, lreluAlpha);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** Shared FE: convs 3×3 (strides 2…2,1), bias, ReLU, then the mean over H, W → `[B, Ds]`. */
function sharedFeatures(config: HyperTransformerConfig, views: Views, images: tf.Tensor4D): tf.Tensor2D | null {
  const sf = config.sharedFeatures;
  if (!sf) return null;
  let x = images;
  for (let i = 0; i < sf.layers; i++) {
    const stride = i < sf.layers - 1 ? 2 : 1;
    const y = conv2d(x, view(views, `shared/conv${i}/kernel`), stride, sf.padding, i > 0);
    x = tf.relu(tf.add(y, view(views, `shared/conv${i}/bias`))) as tf.Tensor4D;
  }
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** Local FE: 'valid' convs with bias; the features are the GAP of the pre-ReLU outputs. */
function localFeatures(plan: ConvLayerPlan | LogitsLayerPlan, prefix: string, views: Views, input: tf.Tensor4D, inputNeedsGrad: boolean): tf.Tensor2D | null {
  if (plan.localFe.length === 0) return null;
  const feats: tf.Tensor2D[] = [];
  let x = input;
  plan.localFe.forEach((c, i) => {
    const y = tf.add(conv2d(x, view(views, `${prefix}/fe/conv${i}/kernel`), c.stride, 'valid', inputNeedsGrad || i > 0), view(views, `${prefix}/fe/conv${i}/bias`)) as tf.Tensor4D;
    feats.push(tf.mean(y, [1, 2]) as tf.Tensor2D);
    x = tf.relu(y);
  });
  return feats.length === 1 ? (feats[0] as tf.Tensor2D) : (tf.concat(feats, 1) as tf.Tensor2D);
}

/** Post-LN encoder stack over `[T·L, E]` (T sequences of length L). */
function encoder(config: HyperTransformerConfig, dims: TransformerDims, prefix: string, views: Views, x0: tf.Tensor2D, T: number, L: number): tf.Tensor2D {
  const { heads, keyQuery: qk, value: vd } = dims;
  const eps = config.transformer.layerNormEpsilon;
  const act = config.transformer.activation;
  const dq = qk / heads;
  const dv = vd / heads;
  const scale = 1 / Math.sqrt(dq);
  let x = x0;
  for (let b = 0; b < config.transformer.layers; b++) {
    const p = `${prefix}/block${b}`;
    const qkv = dense(x, view(views, `${p}/qkv/kernel`), view(views, `${p}/qkv/bias`));
    const [q, k, v] = tf.split(qkv, [qk, qk, vd], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    // [T·L, h·dh] → [T, h, L, dh] (batched matMul takes the two batch axes as they are).
    const toHeads = (t: tf.Tensor2D, dh: number) => tf.transpose(tf.reshape(t, [T, L, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
    const scores = tf.mul(tf.matMul(toHeads(q, dq), toHeads(k, dq), false, true), scale);
    const ctx = tf.matMul(tf.softmax(scores), toHeads(v, dv));
    const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [T * L, vd]) as tf.Tensor2D;
    const attn = dense(merged, view(views, `${p}/attention_output/kernel`), view(views, `${p}/attention_output/bias`));
    const x1 = layerNorm(tf.add(x, attn), view(views, `${p}/ln1/gamma`), view(views, `${p}/ln1/beta`), eps);
    const h =
      act === 'relu'
        ? dense(x1, view(views, `${p}/ffn1/kernel`), view(views, `${p}/ffn1/bias`), 'relu')
        : (activate(dense(x1, view(views, `${p}/ffn1/kernel`), view(views, `${p}/ffn1/bias`)), act, 0.1) as tf.Tensor2D);
    const f = dense(h, view(views, `${p}/ffn2/kernel`), view(views, `${p}/ffn2/bias`));
    x = layerNorm(tf.add(x1, f), view(views, `${p}/ln2/gamma`), view(views, `${p}/ln2/beta`), eps);
  }
  return x;
}

/**
 * Tokens → transformer → the first `blockSize` outputs after the embedding of each weight token:
 * `[T, tokens, blockSize]`.
 */
function generateSlices(
  model: HyperTransformer,
  layer: ConvLayerPlan | LogitsLayerPlan,
  views: Views,
  batch: MetaBatch,
  supportActivations: tf.Tensor4D,
  shared: tf.Tensor2D | null,
  tokens: number,
  inputNeedsGrad: boolean,
): tf.Tensor3D {
  const { config } = model;
  const prefix = `layer${layer.index}`;
  const d = config.embeddingDim;
  const E = layer.dims.width;
  const T = batch.episodes;
  const S = batch.support;
  const local = localFeatures(layer, prefix, views, supportActivations, inputNeedsGrad);
  const labels = matMul2d(batch.supportOneHot, view(views, `${prefix}/label_embedding`));
  const parts: tf.Tensor2D[] = [labels];
  if (local) parts.push(local);
  if (shared) parts.push(shared);
  let sample = tf.concat(parts, 1) as tf.Tensor2D;
  const used = sample.shape[1];
  if (used < E) sample = tf.pad(sample, [[0, 0], [0, E - used]]);
  let wemb: tf.Tensor2D = view(views, `${prefix}/weight_embedding`);
  if (tokens < wemb.shape[0]) wemb = tf.slice(wemb, [0, 0], [tokens, d]);
  // Broadcast by adding to zeros, not tf.broadcastTo: that is a Tile, whose gradient is a slice
  // and an add per episode; a broadcasting add's gradient is one sum, whatever T.
  const weightTokens = tf.add(tf.zeros([T, tokens, E]), tf.pad(wemb, [[0, 0], [0, E - d]]));
  const L = tokens + S;
  const seq = tf.reshape(tf.concat([weightTokens, tf.reshape(sample, [T, S, E])], 1), [T * L, E]) as tf.Tensor2D;
  const out = encoder(config, layer.dims, `${prefix}/transformer`, views, seq, T, L);
  return tf.slice(tf.reshape(out, [T, L, E]) as tf.Tensor3D, [0, 0, d], [T, tokens, layer.blockSize]);
}

/** `[T·M, h, w, C]` → the rows of the first `S` images of each episode: `[T·S, h, w, C]`. */
export function supportPart(x: tf.Tensor4D, T: number, M: number, S: number): tf.Tensor4D {
  if (M === S) return x;
  const [, h, w, c] = x.shape;
  return tf.reshape(tf.slice(tf.reshape(x, [T, M, h * w * c]), [0, 0, 0], [T, S, h * w * c]), [T * S, h, w, c]);
}

function moments3(x: tf.Tensor3D): { mean: tf.Tensor3D; variance: tf.Tensor3D } {
  const mean = tf.mean(x, 1, true) as tf.Tensor3D;
  // Not squaredDifference: its TF.js gradient does not reduce broadcast inputs.
  const variance = tf.mean(tf.square(tf.sub(x, mean)), 1, true) as tf.Tensor3D;
  return { mean, variance };
}

/** BatchNorm with per-episode statistics from the support part (and the query part when transductive). */
export function batchNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  T: number,
  M: number,
  S: number,
  mode: BnMode,
  prior?: LayerPrior,
): { y: tf.Tensor4D; mean: tf.Tensor2D; variance: tf.Tensor2D } {
  const [, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [T, M, h * w, c]);
  const sup = M === S ? grouped : tf.slice(grouped, [0, 0, 0, 0], [T, S, h * w, c]);
  let stats = moments3(tf.reshape(sup, [T, S * h * w, c]) as tf.Tensor3D);
  if (prior && prior.weight > 0) stats = blendMoments(stats, prior, S * h * w);
  const normalise = (part: tf.Tensor, m: tf.Tensor3D, v: tf.Tensor3D, rows: number) => {
    const scale = tf.mul(tf.rsqrt(tf.add(v, eps)), gamma);
    const shift = tf.sub(beta, tf.mul(m, scale));
    return tf.add(tf.mul(tf.reshape(part, [T, rows * h * w, c]), scale), shift);
  };
  let y: tf.Tensor;
  if (mode === 'transductive' && M > S) {
    const qry = tf.slice(grouped, [0, S, 0, 0], [T, M - S, h * w, c]);
    const qStats = moments3(tf.reshape(qry, [T, (M - S) * h * w, c]) as tf.Tensor3D);
    y = tf.concat([tf.reshape(normalise(sup, stats.mean, stats.variance, S), [T, S, h * w, c]), tf.reshape(normalise(qry, qStats.mean, qStats.variance, M - S), [T, M - S, h * w, c])], 1);
  } else {
    y = normalise(grouped, stats.mean, stats.variance, M);
  }
  return { y: tf.reshape(y, [T * M, h, w, c]), mean: tf.reshape(stats.mean, [T, c]), variance: tf.reshape(stats.variance, [T, c]) };
}

/** Runs the model on a meta-batch. Call inside `tf.tidy` (or a gradient scope). */
export function forward(model: HyperTransformer, views: Views, batch: MetaBatch, options: ForwardOptions = {}): ForwardResult {
  const { config, plan } = model;
  const mode = options.bnMode ?? 'support';
  const prior = options.bnPrior === undefined ? model.bnPrior : options.bnPrior;
  const T = batch.episodes;
  const S = batch.support;
  const M = batch.support + batch.query;
  const k = config.cnn.kernelSize;
  const batchedConv = (options.episodeConv ?? defaultEpisodeConv()) === 'batched' && canBatchEpisodeConv(config.cnn.stride);
  const shared = sharedFeatures(config, views, batch.supportImages);
  let x = batch.images;
  let supportActs = batch.supportImages;
  const blocks: BlockWeights[] = [];
  for (const layer of plan.layers) {
    const first = layer.index === 0;
    let y: tf.Tensor4D;
    let kernel: tf.Tensor5D | null = null;
    let bias: tf.Tensor2D | null = null;
    if (layer.generated) {
      const slices = generateSlices(model, layer, views, batch, supportActs, shared, layer.tokens, !first);
      const kk = k * k * layer.inChannels;
      const kernelRows = config.cnn.generateBias ? tf.slice(slices, [0, 0, 0], [T, layer.tokens, kk]) : slices;
      // Output allocation: token j holds output channel j, row-major over (kh, kw, cin).
      kernel = tf.reshape(tf.transpose(kernelRows, [0, 2, 1]), [T, k, k, layer.inChannels, layer.outChannels]) as tf.Tensor5D;
      if (config.cnn.addTrainableWeights) kernel = tf.add(kernel, view(views, `cnn/conv${layer.index}/kernel`)) as tf.Tensor5D;
      y = batchedConv ? batchedEpisodeConv2d(x, kernel, 'same', !first) : episodeConv2d(x, kernel, config.cnn.stride, 'same', !first);
      if (config.cnn.generateBias) {
        bias = tf.reshape(tf.slice(slices, [0, 0, kk], [T, layer.tokens, 1]), [T, layer.outChannels]);
        const [, h, w, c] = y.shape;
        y = tf.reshape(tf.add(tf.reshape(y, [T, M * h * w, c]), tf.reshape(bias, [T, 1, c])), [T * M, h, w, c]);
      }
    } else {
      y = conv2d(x, view(views, `cnn/conv${layer.index}/kernel`), config.cnn.stride, 'same', !first);
    }
    const pooled = activate(maxPool(y, 2), config.cnn.activation, 0.01) as tf.Tensor4D;
    const bn = batchNorm(pooled, view(views, `cnn/bn${layer.index}/gamma`), view(views, `cnn/bn${layer.index}/beta`), config.cnn.bnEpsilon, T, M, S, mode, layerPrior(prior, layer.index));
    blocks.push({ kernel, bias, mean: bn.mean, variance: bn.variance });
    x = bn.y;
    supportActs = supportPart(x, T, M, S);
  }
  const lp = plan.logits;
  const N = batch.ways;
  const slices = generateSlices(model, lp, views, batch, supportActs, shared, N, plan.layers.length > 0);
  let logitsKernel = tf.transpose(tf.slice(slices, [0, 0, 0], [T, N, lp.inputSize]), [0, 2, 1]) as tf.Tensor3D;
  let logitsBias = tf.reshape(tf.slice(slices, [0, 0, lp.inputSize], [T, N, 1]), [T, N]) as tf.Tensor2D;
  if (config.cnn.addPrototypeLogits) {
    const base = prototypeLogits(supportActs, batch, lp.inputSize);
    logitsKernel = tf.add(logitsKernel, base.kernel) as tf.Tensor3D;
    logitsBias = tf.add(logitsBias, base.bias) as tf.Tensor2D;
  }
  let logits: tf.Tensor3D | null = null;
  if (batch.query > 0) {
    const flat = tf.reshape(x, [T, M, lp.inputSize]);
    const queries = tf.slice(flat, [0, S, 0], [T, batch.query, lp.inputSize]);
    logits = tf.add(tf.matMul(queries, logitsKernel), tf.reshape(logitsBias, [T, 1, N])) as tf.Tensor3D;
  }
  return { logits, blocks, logitsKernel, logitsBias };
}

/**
 * A ProtoNet as a dense layer (`cnn.addPrototypeLogits`): for class prototypes p_c (mean embedding
 * of the labelled support images), −|q − p_c|² = 2·q·p_c − |p_c|² − |q|², and the last term is the
 * same for every class, so kernel column 2·p_c and bias −|p_c|² give the same softmax.
 */
function prototypeLogits(supportActs: tf.Tensor4D, batch: MetaBatch, n: number): { kernel: tf.Tensor3D; bias: tf.Tensor2D } {
  const T = batch.episodes;
  const S = batch.support;
  const N = batch.ways;
  const embeddings = tf.reshape(supportActs, [T, S, n]);
  const oneHot = tf.reshape(tf.slice(batch.supportOneHot, [0, 0], [T * S, N]), [T, S, N]); // unlabelled rows are zero
  const counts = tf.maximum(tf.sum(oneHot, 1), 1);
  const prototypes = tf.div(tf.matMul(oneHot, embeddings, true, false), tf.expandDims(counts, 2)); // [T, N, n]
  return {
    kernel: tf.mul(tf.transpose(prototypes, [0, 2, 1]), 2) as tf.Tensor3D,
    bias: tf.neg(tf.sum(tf.square(prototypes), 2)) as tf.Tensor2D,
  };
}

/** Mean softmax cross-entropy over all queries of the meta-batch. */
export function crossEntropy(logits: tf.Tensor3D, oneHot: tf.Tensor3D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}
