/** `hypertx train`: the pipeline's resumable `train`, with a progress bar (loss, accuracy, episodes/s, ETA). */
import { resolveRecipe, train, type ProgressEvent } from '@hypertx/pipeline';
import { EXIT } from '../exit-codes.js';
import { createReporter } from '../progress.js';
import { forTerminal, jsonText } from '../terminal-text.js';

interface TrainOptions {
  preset?: string;
  config?: string;
  data?: string;
  steps?: number;
  checkpointDir: string;
  resume?: boolean;
  init?: string;
  seed: number;
  threads?: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * ETA from the whole run's mean time per step (validation and checkpoints included) rather than the
 * last few steps, so it does not swing with one slow step; shown after a few steps have passed.
 */
export class RunEta {
  #t0 = 0;
  #step0 = 0;
  #steps = 0;

  start(step: number, steps: number, now = performance.now()): void {
    [this.#t0, this.#step0, this.#steps] = [now, step, steps];
  }

  text(step: number, now = performance.now()): string {
    const done = step - this.#step0;
    if (done < 5) return 'ETA -';
    const seconds = (((now - this.#t0) / done) * (this.#steps - step)) / 1000;
    return `ETA ${formatDuration(seconds)}`;
  }
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export async function run(options: TrainOptions): Promise<number> {
  const recipe = await resolveRecipe(options);
  const reporter = createReporter({ quiet: options.quiet === true });

  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl-C: stop now
    stop.abort();
    reporter.warn('stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let bar: ReturnType<typeof reporter.bar> | undefined;
  const eta = new RunEta();
  const shown = { loss: '-', acc: '-', eps: '-', val: '-', remaining: 'ETA -' }; // not `eta`: cli-progress fills that token itself
  const onProgress = (e: ProgressEvent): void => {
    if (e.type === 'stage') {
      reporter.warn(e.message); // e.g. a half-written log line removed on resume
    } else if (e.type === 'train-start') {
      reporter.step(
        `${e.resumed ? 'Resuming' : 'Training'} ${recipe.name} on ${e.backend}${e.threads > 1 ? ` (${e.threads} threads)` : ''}: ${e.parameters.toLocaleString('en-US')} parameters, ` +
          `${e.trainClasses} training classes, ${e.validationClasses} validation classes, step ${e.step}/${e.steps}`,
      );
      const validating = e.alphabets.validation ? `; validating on ${e.alphabets.validation.join(', ')}` : '';
      reporter.step(`Alphabets: ${e.alphabets.rule}${validating}`);
      if (e.teacher) {
        const t = e.teacher;
        reporter.step(`Distilling ${t.file} (${t.description}; SHA-256 ${t.sha256.slice(0, 16)}…): weight ${t.weight}, temperature ${t.temperature}`);
      }
      eta.start(e.step, e.steps);
      bar = reporter.bar(e.steps, '  {bar} {value}/{total} | loss {loss} | acc {acc} | {eps} ep/s | val {val} | {remaining}', { start: e.step, values: shown });
    } else if (e.type === 'train-step') {
      Object.assign(shown, { loss: e.loss.toFixed(3), acc: e.accuracy.toFixed(3), eps: e.episodesPerSecond.toFixed(1), remaining: eta.text(e.step) });
      bar?.update(e.step, shown);
    } else if (e.type === 'validation-start') {
      bar?.update(e.step, { ...shown, val: `validating ${e.episodes} episodes…` });
    } else if (e.type === 'validation') {
      shown.val = `${(e.mean * 100).toFixed(1)}%`;
      bar?.update(e.step, shown);
    }
  };
  try {
    const result = await train({
      recipe,
      data: options.data ?? '',
      checkpointDir: options.checkpointDir,
      resume: options.resume === true,
      seed: options.seed,
      backend: options.backend as 'auto',
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.init !== undefined ? { init: options.init } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      signal: stop.signal,
      onProgress,
    });
    bar?.stop();
    const summary = { ok: true, recipe: recipe.name, startStep: result.startStep, step: result.step, stopped: result.stopped, bestValidation: result.bestValidation, files: result.files };
    if (options.json) process.stdout.write(jsonText(summary, 2) + '\n');
    else if (result.step === result.startStep && !result.stopped) {
      // A resumed run already at its last step: say so, rather than claim a checkpoint this run did not write.
      process.stdout.write(`Nothing to train: the run in ${options.checkpointDir} is already at step ${result.step}; pass --steps above ${result.step} to train on\n`);
    } else {
      const best = result.bestValidation;
      process.stdout.write(
        `${result.stopped ? 'Stopped' : 'Finished'} at step ${result.step}; checkpoint ${forTerminal(result.files.checkpoint)}` +
          (best ? `; best validation ${(best.mean * 100).toFixed(2)}% ± ${(best.ci95 * 100).toFixed(2)} at step ${best.step} → ${forTerminal(result.files.best)}` : '') +
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
