/** `hypertx train`: the pipeline's resumable `train`, with a progress bar (loss, accuracy, episodes/s, ETA). */
import { resolveRecipe, train, type ProgressEvent } from '@hypertx/pipeline';
import { EXIT } from '../exit-codes.js';
import { createReporter } from '../progress.js';

interface TrainOptions {
  preset?: string;
  config?: string;
  data?: string;
  steps?: number;
  checkpointDir: string;
  resume?: boolean;
  init?: string;
  seed: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

export async function run(options: TrainOptions): Promise<number> {
  const recipe = await resolveRecipe(options);
  const reporter = createReporter({ quiet: options.quiet === true });
  const { initBackend } = await import('@hypertx/core');
  const backend = await initBackend(options.backend as 'auto');

  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl-C: stop now
    stop.abort();
    reporter.warn('stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let bar: ReturnType<typeof reporter.bar> | undefined;
  let lastValidation = '';
  const onProgress = (e: ProgressEvent): void => {
    if (e.type === 'train-start') {
      reporter.step(
        `${e.resumed ? 'Resuming' : 'Training'} ${recipe.name} on ${backend.name}: ${e.parameters.toLocaleString('en-US')} parameters, ` +
          `${e.trainClasses} training classes, ${e.validationClasses} validation classes, step ${e.step}/${e.steps}`,
      );
      bar = reporter.bar(e.steps, '  {bar} {value}/{total} | loss {loss} | acc {acc} | {eps} ep/s | val {val} | ETA {eta_formatted}');
      bar.update(e.step, { loss: '-', acc: '-', eps: '-', val: '-' });
    } else if (e.type === 'train-step') {
      bar?.update(e.step, { loss: e.loss.toFixed(3), acc: e.accuracy.toFixed(3), eps: e.episodesPerSecond.toFixed(1), val: lastValidation || '-' });
    } else if (e.type === 'validation') {
      lastValidation = `${(e.mean * 100).toFixed(1)}%`;
    }
  };
  try {
    const result = await train({
      recipe,
      data: options.data ?? '',
      checkpointDir: options.checkpointDir,
      resume: options.resume === true,
      seed: options.seed,
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.init !== undefined ? { init: options.init } : {}),
      signal: stop.signal,
      onProgress,
    });
    bar?.stop();
    const summary = { ok: true, recipe: recipe.name, step: result.step, stopped: result.stopped, bestValidation: result.bestValidation, files: result.files };
    if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      const best = result.bestValidation;
      process.stdout.write(
        `${result.stopped ? 'Stopped' : 'Finished'} at step ${result.step}; checkpoint ${result.files.checkpoint}` +
          (best ? `; best validation ${(best.mean * 100).toFixed(2)}% ± ${(best.ci95 * 100).toFixed(2)} at step ${best.step} → ${result.files.best}` : '') +
          '\n',
      );
    }
    return result.stopped ? EXIT.interrupted : EXIT.ok;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
