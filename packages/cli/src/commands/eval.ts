/**
 * `hypertx eval`: the pipeline's `evaluate` — accuracy on test episodes of classes the model never
 * saw (held-out alphabets, or a whole separate dataset), mean ± 95% CI — rendered as one line or JSON.
 */
import { evaluate, type Engine } from '@hypertx/pipeline';
import { HypertxError } from '@hypertx/export';
import { createReporter, renderProgress } from '../progress.js';
import { jsonText } from '../terminal-text.js';

interface EvalOptions {
  model: string;
  data?: string;
  episodes: number;
  ways: number;
  shots: number;
  unlabeled: number;
  selfLabel: boolean;
  supportShifts?: number;
  queries: number;
  bnMode: 'support' | 'transductive';
  engine: Engine;
  alphabets?: string;
  layout: 'class' | 'group/class';
  maxPixels?: number;
  seed: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

export async function run(options: EvalOptions): Promise<number> {
  if (!options.data) {
    throw new HypertxError('E_USAGE', 'no dataset given', { kind: 'usage', hint: 'pass --data <packed Omniglot folder or image-folder tree> or set HYPERTX_OMNIGLOT_DIR' });
  }
  const reporter = createReporter({ quiet: options.quiet === true || options.json === true });
  const progress = renderProgress(reporter);
  const groups = options.alphabets === undefined ? undefined : options.alphabets.trim() === 'all' ? 'all' : options.alphabets.split(',').map((s) => s.trim()).filter(Boolean);
  let result;
  try {
    result = await evaluate({
      model: options.model,
      data: options.data,
      ...(groups !== undefined ? { groups } : {}),
      layout: options.layout,
      ...(options.maxPixels !== undefined ? { maxInputPixels: options.maxPixels } : {}),
      episodes: options.episodes,
      ways: options.ways,
      shots: options.shots,
      unlabeled: options.unlabeled,
      queries: options.queries,
      selfLabel: options.selfLabel,
      ...(options.supportShifts !== undefined ? { supportShifts: options.supportShifts } : {}),
      bnMode: options.bnMode,
      engine: options.engine,
      seed: options.seed,
      backend: options.backend as 'auto',
      onProgress: progress,
    });
  } finally {
    progress.stop();
  }
  if (options.json) {
    const { accuracies: _perEpisode, groups: used, ...summary } = result;
    process.stdout.write(jsonText({ ok: true, ...summary, alphabets: used }, 2) + '\n');
  } else {
    const unlabelled = result.unlabeled ? ` +${result.unlabeled} unlabelled${result.selfLabelled ? ', self-labelled' : ' as tokens'}` : '';
    process.stdout.write(
      `${(result.accuracy * 100).toFixed(2)}% ± ${(result.ci95 * 100).toFixed(2)} (95% CI) over ${result.episodes} episodes ` +
        `(${result.ways}-way ${result.shots}-shot${unlabelled}, ${result.engine}, BatchNorm ${result.bnMode}${result.supportShifts ? `, support filled to ${result.supportShifts} per class` : ''})\n`,
    );
  }
  return 0;
}
