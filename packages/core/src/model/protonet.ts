/**
 * ProtoNet baseline with the same CNN (conv → maxpool → act → BatchNorm blocks, the BatchNorm
 * statistics taken from the support set as in the HyperTransformer): the conv stack is trained as
 * an embedding; class prototypes are the mean embeddings of the labelled support images; logits
 * are negative squared Euclidean distances (Snell et al. 2017). Unlabelled support images only
 * contribute to the BatchNorm statistics.
 */
import type { BnMode, HyperTransformerConfig } from '../config.js';
import { channelsOf, validateConfig } from '../config.js';
import type { MetaBatch } from '../episode.js';
import { conv2d } from '../ops/conv.js';
import { maxPool } from '../ops/pool.js';
import { tf } from '../tf.js';
import { layerPrior } from './bn-prior.js';
import { activate, batchNorm } from './forward.js';
import { type EpisodicModel, FlatParamModel } from './hypertransformer.js';
import { type ParamSpec, initialValues, makeLayout } from './params.js';

export interface ProtoNet extends EpisodicModel {
  readonly kind: 'protonet';
}

export function protoNetSpecs(config: HyperTransformerConfig): ParamSpec[] {
  validateConfig(config);
  const specs: ParamSpec[] = [];
  const k = config.cnn.kernelSize;
  let cin = config.image.channels;
  for (let l = 0; l < config.cnn.layers; l++) {
    const cout = channelsOf(config, l);
    specs.push({ name: `cnn/conv${l}/kernel`, shape: [k, k, cin, cout], init: { kind: 'glorot', fanIn: k * k * cin, fanOut: k * k * cout } });
    specs.push({ name: `cnn/bn${l}/gamma`, shape: [cout], init: { kind: 'ones' } });
    specs.push({ name: `cnn/bn${l}/beta`, shape: [cout], init: { kind: 'zeros' } });
    cin = cout;
  }
  return specs;
}

class ProtoNetModel extends FlatParamModel implements ProtoNet {
  readonly kind = 'protonet' as const;

  constructor(config: HyperTransformerConfig, values: Float32Array) {
    super(config, protoNetSpecs(config), values);
  }

  /** The conv stack on every image of the batch, and the BatchNorm statistics of each block. */
  private embed(views: Map<string, tf.Tensor>, batch: MetaBatch, bnMode: BnMode): { x: tf.Tensor4D; stats: { mean: tf.Tensor2D; variance: tf.Tensor2D }[] } {
    const { config } = this;
    const T = batch.episodes;
    const S = batch.support;
    const M = batch.support + batch.query;
    let x = batch.images;
    const stats: { mean: tf.Tensor2D; variance: tf.Tensor2D }[] = [];
    for (let l = 0; l < config.cnn.layers; l++) {
      const y = conv2d(x, views.get(`cnn/conv${l}/kernel`) as tf.Tensor4D, config.cnn.stride, 'same', l > 0);
      const pooled = activate(maxPool(y, 2), config.cnn.activation, 0.01) as tf.Tensor4D;
      const bn = batchNorm(pooled, views.get(`cnn/bn${l}/gamma`) as tf.Tensor1D, views.get(`cnn/bn${l}/beta`) as tf.Tensor1D, config.cnn.bnEpsilon, T, M, S, bnMode, layerPrior(this.bnPrior, l));
      stats.push({ mean: bn.mean, variance: bn.variance });
      x = bn.y;
    }
    return { x, stats };
  }

  bnStatistics(batch: MetaBatch): { mean: tf.Tensor2D; variance: tf.Tensor2D }[] {
    return this.embed(this.inferenceViews(), batch, 'support').stats;
  }

  queryLogits(views: Map<string, tf.Tensor>, batch: MetaBatch, options: { bnMode: BnMode }): tf.Tensor3D {
    const T = batch.episodes;
    const S = batch.support;
    const M = batch.support + batch.query;
    const N = batch.ways;
    const { x } = this.embed(views, batch, options.bnMode);
    const n = x.shape[1] * x.shape[2] * x.shape[3];
    const emb = tf.reshape(x, [T, M, n]);
    const support = tf.slice(emb, [0, 0, 0], [T, S, n]);
    const queries = tf.slice(emb, [0, S, 0], [T, batch.query, n]);
    const oneHot = tf.reshape(tf.slice(batch.supportOneHot, [0, 0], [T * S, N]), [T, S, N]);
    const counts = tf.maximum(tf.sum(oneHot, 1), 1); // [T, N]
    const prototypes = tf.div(tf.matMul(oneHot, support, true, false), tf.expandDims(counts, 2)); // [T, N, n]
    const qq = tf.sum(tf.square(queries), 2, true); // [T, Q, 1]
    const pp = tf.expandDims(tf.sum(tf.square(prototypes), 2), 1); // [T, 1, N]
    const qp = tf.matMul(queries, prototypes, false, true); // [T, Q, N]
    return tf.neg(tf.add(tf.sub(qq, tf.mul(qp, 2)), pp)) as tf.Tensor3D;
  }
}

/** A ProtoNet whose CNN is `config.cnn` (the rest of the config is ignored). */
export function createProtoNet(config: HyperTransformerConfig, seed = 0): ProtoNet {
  return new ProtoNetModel(config, initialValues(makeLayout(protoNetSpecs(config)), seed));
}

export function protoNetFromValues(config: HyperTransformerConfig, values: Float32Array): ProtoNet {
  return new ProtoNetModel(config, values);
}
