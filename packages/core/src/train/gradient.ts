/** Loss, gradient and predictions of a shard of episodes (used in-process and by the workers). */
import type { BnMode } from '../config.js';
import { type Episode, disposeMetaBatch, stackEpisodes } from '../episode.js';
import { crossEntropy } from '../model/forward.js';
import type { EpisodicModel } from '../model/hypertransformer.js';
import { tf } from '../tf.js';

export interface ShardGradient {
  /** Mean query cross-entropy of the shard. */
  loss: number;
  /** Gradient of that mean loss w.r.t. the flat parameters. */
  gradient: Float32Array;
  /** Predicted class of every query, in order. */
  predicted: Int32Array;
  queryLabels: Int32Array;
}

/** Runs forward + backward; the gradient is returned as a tensor (caller disposes). */
export function shardGradientTensor(model: EpisodicModel, episodes: Episode[], bnMode: BnMode): { loss: number; gradient: tf.Tensor1D; predicted: Int32Array; queryLabels: Int32Array } {
  const batch = stackEpisodes(model.config, episodes);
  try {
    let predicted = new Int32Array(0);
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.queryLogits(model.views(), batch, { bnMode });
        predicted = Int32Array.from(tf.argMax(logits, 2).dataSync());
        return crossEntropy(logits, batch.queryOneHot as tf.Tensor3D);
      }, [model.params]);
      return { loss: value, gradient: grads[model.params.name] as tf.Tensor1D };
    });
    const loss = out.loss.dataSync()[0] as number;
    out.loss.dispose();
    return { loss, gradient: out.gradient, predicted, queryLabels: batch.queryLabels };
  } finally {
    disposeMetaBatch(batch);
  }
}

export function shardGradient(model: EpisodicModel, episodes: Episode[], bnMode: BnMode): ShardGradient {
  const r = shardGradientTensor(model, episodes, bnMode);
  const gradient = r.gradient.dataSync().slice() as Float32Array;
  r.gradient.dispose();
  return { ...r, gradient };
}
