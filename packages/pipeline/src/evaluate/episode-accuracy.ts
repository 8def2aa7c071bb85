/**
 * Few-shot accuracy of a model on a list of episodes, by one of several engines:
 * - `tfjs`: the in-framework forward (batched; both BatchNorm modes);
 * - `reference`: each episode's generated StandaloneCnn in the float64 reference engine;
 * - `onnx`, `tflite`, `tflite-int8`: each episode's CNN exported to that format and run in its runtime — the accuracy of the
 *   files compile writes, which are what was trained: support-set BatchNorm statistics, frozen. Unlabelled images
 *   are self-labelled as compile does, unless `selfLabel: false`; the tfjs engine never does.
 * Accuracy per episode; the result is the mean with a 95% confidence interval.
 */
import { generate, meanAndCi95, modelFromState, loadCheckpoint, scoreBatch, type BnMode, type EpisodicModel, type HyperTransformer } from '@hypertx/core';
import { denormalizePixels, OMNIGLOT_NORMALIZATION, type Episode } from '@hypertx/data';
import { HypertxError, runReference, type FormatPlugin } from '@hypertx/export';
import { formatPlugin } from '../formats.js';
import { throwIfAborted } from '../progress.js';

export type Engine = 'tfjs' | 'reference' | 'onnx' | 'tflite' | 'tflite-int8';

export interface EpisodeAccuracy {
  engine: Engine;
  bnMode: BnMode;
  episodes: number;
  mean: number;
  ci95: number;
  accuracies: number[];
}

export async function loadAnyModel(path: string): Promise<EpisodicModel> {
  return modelFromState(await loadCheckpoint(path));
}

/** Accuracy of `model` on `episodes` with one engine. `onEpisode` reports progress. */
export async function episodeAccuracy(
  model: EpisodicModel,
  episodes: Episode[],
  options: { engine: Engine; bnMode?: BnMode; batch?: number; selfLabel?: boolean; onEpisode?: (done: number) => void; signal?: AbortSignal },
): Promise<EpisodeAccuracy> {
  const bnMode = options.bnMode ?? 'support';
  const accuracies: number[] = [];
  if (options.engine === 'tfjs') {
    // Episodes of equal shape stack into one meta-batch: far fewer, larger ops.
    const size = options.batch ?? 16;
    for (let i = 0; i < episodes.length; i += size) {
      throwIfAborted(options.signal, 'evaluate');
      const chunk = episodes.slice(i, i + size);
      accuracies.push(...(await scoreBatch(model, chunk, bnMode)).accuracies);
      options.onEpisode?.(accuracies.length);
    }
  } else {
    if (model.kind !== 'hypertransformer') {
      throw new HypertxError('E_USAGE', `engine ${options.engine} needs a HyperTransformer (the model is a ${model.kind})`, { kind: 'usage' });
    }
    if (bnMode !== 'support') {
      throw new HypertxError('E_USAGE', 'exported models use support-set BatchNorm statistics; transductive mode is tfjs-only', { kind: 'usage' });
    }
    const plugin = options.engine === 'reference' ? undefined : formatPlugin(options.engine);
    for (const episode of episodes) {
      throwIfAborted(options.signal, 'evaluate');
      accuracies.push(await exportedAccuracy(model as HyperTransformer, episode, plugin, options.selfLabel !== false));
      options.onEpisode?.(accuracies.length);
    }
  }
  return { engine: options.engine, bnMode, episodes: accuracies.length, ...meanAndCi95(accuracies), accuracies };
}

async function exportedAccuracy(model: HyperTransformer, episode: Episode, plugin: FormatPlugin | undefined, selfLabel: boolean): Promise<number> {
  const channels = episode.support.channels;
  const normalization = {
    scale: new Array(channels).fill(OMNIGLOT_NORMALIZATION.scale[0]),
    offset: new Array(channels).fill(OMNIGLOT_NORMALIZATION.offset[0]),
  };
  const cnn = generate(model, episode.support, episode.supportLabels, { normalization, selfLabel });
  const raw = denormalizePixels(episode.query.pixels, channels, normalization);
  let probabilities: ArrayLike<number>;
  let classes: number;
  if (!plugin) {
    const out = runReference(cnn, raw, episode.query.count);
    probabilities = out.probabilities;
    classes = out.shape[1];
  } else {
    const calibration = { pixels: denormalizePixels(episode.support.pixels, channels, normalization), count: episode.support.count };
    const [file] = await plugin.write(cnn, { calibration });
    const runner = await plugin.createRunner!(file!.bytes);
    try {
      const out = await runner.run(raw, episode.query.count);
      probabilities = out.probabilities;
      classes = out.shape[1];
    } finally {
      await runner.dispose();
    }
  }
  let right = 0;
  for (let q = 0; q < episode.query.count; q++) {
    let top = 0;
    for (let c = 1; c < classes; c++) if (probabilities[q * classes + c]! > probabilities[q * classes + top]!) top = c;
    if (top === episode.queryLabels[q]) right++;
  }
  return right / episode.query.count;
}
