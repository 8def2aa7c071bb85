/**
 * evaluate: few-shot accuracy (mean ± 95% CI over episodes) of a HyperTransformer or ProtoNet on
 * classes it never saw — whole held-out alphabets of the training data, or a separate test dataset
 * used whole (`groups: 'all'`). By default measured on the exported files themselves (ONNX in
 * onnxruntime-node).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BackendChoice, BnMode } from '@hypertx/core';
import type { FewShotSource, FolderLayout } from '@hypertx/data';
import { HypertxError } from '@hypertx/export';
import { DEFAULT_MODEL, resolveModel } from '../models.js';
import { throwIfAborted, type ProgressCallback } from '../progress.js';
import type { Engine } from './episode-accuracy.js';

export type { Engine };

export interface EvaluateOptions {
  /** A bundled model name or a .hxmodel/.hxckpt path (default "default"). */
  model?: string;
  /** A packed Omniglot folder (index.json + images) or an image-folder tree. */
  data: string;
  /**
   * The groups (Omniglot alphabets) whose classes the episodes use: a list of names, or 'all' for the
   * whole dataset (a separate test set). Default: the five validation alphabets for packed Omniglot,
   * 'all' for an image-folder tree.
   */
  groups?: readonly string[] | 'all';
  /** Image-folder trees: `class` (root/<class>/...) or `group/class` (root/<group>/<class>/..., as Omniglot's PNG release). Default `class`. */
  layout?: FolderLayout;
  /** Image-folder trees: refuse images with more pixels (width × height) than this, before decoding them (default 64 Mi). */
  maxInputPixels?: number;
  episodes?: number;
  ways?: number;
  shots?: number;
  /** Unlabelled images per class in each support set. */
  unlabeled?: number;
  queries?: number;
  /** Exported engines label unlabelled images with a first pass, as compile does (default true). */
  selfLabel?: boolean;
  /** Fill each class up to this many images with shifted copies before generating, as compile does (default: the model's setting; 0: off). */
  supportShifts?: number;
  /** BatchNorm statistics: from the support set as exported (default), or the paper's transductive mode (tfjs engine only). */
  bnMode?: BnMode;
  engine?: Engine;
  seed?: number;
  backend?: BackendChoice;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface EvaluateResult {
  model: string;
  kind: 'hypertransformer' | 'protonet';
  engine: Engine;
  bnMode: BnMode;
  ways: number;
  shots: number;
  unlabeled: number;
  /** Images per class the support sets were filled to with shifted copies (0: none). */
  supportShifts: number;
  /** Unlabelled images were labelled by a first pass (exported engines), not fed as unlabelled tokens. */
  selfLabelled: boolean;
  queries: number;
  episodes: number;
  seed: number;
  /** The groups the episodes came from ('all': the whole dataset). */
  groups: string[] | 'all';
  classes: number;
  /** Mean accuracy over episodes, 0..1, and the half-width of its 95% confidence interval. */
  accuracy: number;
  ci95: number;
  /** Accuracy of each episode, in order. */
  accuracies: number[];
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const episodes = options.episodes ?? 1000;
  if (!Number.isInteger(episodes) || episodes < 1) throw new HypertxError('E_USAGE', `episodes must be a whole number ≥ 1, got ${episodes}`, { kind: 'usage' });
  if (!options.data) throw new HypertxError('E_USAGE', 'no dataset given', { kind: 'usage', hint: 'pass a packed Omniglot folder or an image-folder tree' });
  const modelName = options.model ?? DEFAULT_MODEL;
  const modelPath = resolveModel(modelName);
  const [core, data, { episodeAccuracy, loadAnyModel }] = await Promise.all([import('@hypertx/core'), import('@hypertx/data'), import('./episode-accuracy.js')]);
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');
  const model = await loadAnyModel(modelPath);
  if (options.supportShifts !== undefined) model.supportShifts = options.supportShifts;
  const { height, width, channels } = model.config.image;

  const packed = existsSync(path.join(options.data, 'index.json'));
  const source: FewShotSource = packed
    ? data.loadOmniglot(options.data)
    : await data.loadImageFolderSource(options.data, { height, width, channels: channels as 1 | 3, layout: options.layout ?? 'class', unlabeledDir: null, ...(options.maxInputPixels !== undefined ? { maxInputPixels: options.maxInputPixels } : {}) });
  const groups = options.groups ?? (packed ? [...data.OMNIGLOT_VALIDATION_ALPHABETS] : 'all');
  const known = data.groupsOf(source);
  const whole = groups === 'all' || known.every((g) => groups.includes(g));
  const pool = whole ? source : data.holdOutGroups(source, groups as readonly string[]).heldOut;
  throwIfAborted(options.signal, 'evaluate');

  const spec = { ways: options.ways ?? 5, shots: options.shots ?? 1, unlabeled: options.unlabeled ?? 0, queries: options.queries ?? 5 };
  const seed = options.seed ?? 1;
  const sampler = data.createEpisodeSampler(pool, { ...spec, imageSize: { height, width }, seed });
  const list = Array.from({ length: episodes }, () => sampler.next());
  const engine = options.engine ?? 'onnx';
  const bnMode = options.bnMode ?? 'support';
  options.onProgress?.({
    type: 'stage',
    task: 'evaluate',
    message:
      `${episodes} episodes, ${spec.ways}-way ${spec.shots}-shot${spec.unlabeled ? ` + ${spec.unlabeled} unlabelled` : ''}, ${spec.queries} queries per class, ` +
      `from ${pool.classes.length} classes of ${whole ? `all ${known.length} groups` : `${groups.length} held-out groups`}; engine ${engine}, BatchNorm ${bnMode}` +
      (model.supportShifts ? `, support filled to ${model.supportShifts} per class with shifted copies` : ''),
  });
  const result = await episodeAccuracy(model, list, {
    engine,
    bnMode,
    selfLabel: options.selfLabel !== false,
    onEpisode: (done) => options.onProgress?.({ type: 'progress', task: 'evaluate', unit: 'episodes', done, total: episodes }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    model: modelName,
    kind: model.kind,
    engine: result.engine,
    bnMode: result.bnMode,
    ...spec,
    supportShifts: model.supportShifts,
    // The tfjs engine never self-labels; exported engines do unless told not to.
    selfLabelled: spec.unlabeled > 0 && options.selfLabel !== false && engine !== 'tfjs',
    episodes: result.episodes,
    seed,
    groups: whole ? 'all' : [...(groups as readonly string[])],
    classes: pool.classes.length,
    accuracy: result.mean,
    ci95: result.ci95,
    accuracies: result.accuracies,
  };
}
