/**
 * `hypertx eval`: accuracy on test episodes from whole Omniglot alphabets held out of training,
 * mean ± 95% CI, measured by default on the exported model files themselves (ONNX in onnxruntime).
 */
import { HypertxError } from '@hypertx/export';
import { resolveModel } from '../models.js';
import { createReporter } from '../progress.js';

interface EvalOptions {
  model: string;
  data?: string;
  episodes: number;
  ways: number;
  shots: number;
  unlabeled: number;
  selfLabel: boolean;
  queries: number;
  bnMode: 'support' | 'transductive';
  engine: 'tfjs' | 'reference' | 'onnx' | 'tflite' | 'tflite-int8';
  alphabets?: string;
  seed: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

export async function run(options: EvalOptions): Promise<number> {
  if (!options.data) {
    throw new HypertxError('E_USAGE', 'no dataset given', { kind: 'usage', hint: 'pass --data <packed Omniglot folder> or set HYPERTX_OMNIGLOT_DIR' });
  }
  if (options.episodes < 1) throw new HypertxError('E_USAGE', `--episodes must be ≥ 1, got ${options.episodes}`, { kind: 'usage' });
  const modelPath = resolveModel(options.model);
  const reporter = createReporter({ quiet: options.quiet === true || options.json === true });
  const [core, data, { episodeAccuracy, loadAnyModel }] = await Promise.all([
    import('@hypertx/core'),
    import('@hypertx/data'),
    import('../evaluation/evaluate-episodes.js'),
  ]);
  await core.initBackend(options.backend as 'auto');
  const model = await loadAnyModel(modelPath);
  const alphabets = options.alphabets ? options.alphabets.split(',').map((s) => s.trim()) : [...data.OMNIGLOT_VALIDATION_ALPHABETS];
  const source = data.holdOutGroups(data.loadOmniglot(options.data), alphabets).heldOut;
  const sampler = data.createEpisodeSampler(source, {
    ways: options.ways,
    shots: options.shots,
    unlabeled: options.unlabeled,
    queries: options.queries,
    imageSize: { height: model.config.image.height, width: model.config.image.width },
    seed: options.seed,
  });
  const episodes = Array.from({ length: options.episodes }, () => sampler.next());
  reporter.step(
    `${options.episodes} episodes, ${options.ways}-way ${options.shots}-shot` +
      `${options.unlabeled ? ` + ${options.unlabeled} unlabelled` : ''}, ${options.queries} queries per class, ` +
      `from ${source.classes.length} characters of ${alphabets.length} held-out alphabets; engine ${options.engine}, BatchNorm ${options.bnMode}`,
  );
  const bar = reporter.bar(options.episodes, '  {bar} {value}/{total} episodes | ETA {eta_formatted}');
  // Exported engines self-label unlabelled images as compile does; the tfjs engine never does.
  const selfLabelled = options.selfLabel && options.engine !== 'tfjs';
  const result = await episodeAccuracy(model, episodes, { engine: options.engine, bnMode: options.bnMode, selfLabel: options.selfLabel, onEpisode: (n) => bar.update(n) });
  bar.stop();

  const summary = {
    ok: true,
    model: options.model,
    kind: model.kind,
    engine: result.engine,
    bnMode: result.bnMode,
    ways: options.ways,
    shots: options.shots,
    unlabeled: options.unlabeled,
    selfLabelled: options.unlabeled > 0 && selfLabelled,
    queries: options.queries,
    episodes: result.episodes,
    seed: options.seed,
    alphabets,
    accuracy: result.mean,
    ci95: result.ci95,
  };
  if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(
      `${(result.mean * 100).toFixed(2)}% ± ${(result.ci95 * 100).toFixed(2)} (95% CI) over ${result.episodes} episodes ` +
        `(${options.ways}-way ${options.shots}-shot${options.unlabeled ? ` +${options.unlabeled} unlabelled${selfLabelled ? ', self-labelled' : ' as tokens'}` : ''}, ${result.engine}, BatchNorm ${result.bnMode})\n`,
    );
  }
  return 0;
}
