/** `hypertx train`: a resumable training run with a progress bar (loss, accuracy, episodes/s, ETA). */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HypertxError } from '@hypertx/export';
import { EXIT } from '../exit-codes.js';
import { createReporter } from '../progress.js';
import { builtInRecipe, BUILT_IN_RECIPES, type TrainingRecipe } from '../training/recipe.js';

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
  const { runTraining } = await import('../training/run-training.js');

  let stopRequested = false;
  const onSignal = () => {
    if (stopRequested) process.exit(EXIT.interrupted); // a second Ctrl-C: stop now
    stopRequested = true;
    reporter.warn('stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let bar: ReturnType<typeof reporter.bar> | undefined;
  let lastValidation = '';
  try {
    const result = await runTraining({
      recipe,
      dataDir: options.data,
      outDir: options.checkpointDir,
      resume: options.resume === true,
      seed: options.seed,
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.init !== undefined ? { init: options.init } : {}),
      shouldStop: () => stopRequested,
      onEvent: (e) => {
        if (e.type === 'start') {
          reporter.step(
            `${e.resumed ? 'Resuming' : 'Training'} ${recipe.name} on ${backend.name}: ${e.parameters.toLocaleString('en-US')} parameters, ` +
              `${e.trainClasses} training classes, ${e.validationClasses} validation classes, step ${e.step}/${e.steps}`,
          );
          bar = reporter.bar(e.steps, '  {bar} {value}/{total} | loss {loss} | acc {acc} | {eps} ep/s | val {val} | ETA {eta_formatted}');
          bar.update(e.step, { loss: '-', acc: '-', eps: '-', val: '-' });
        } else if (e.type === 'step') {
          bar?.update(e.step, { loss: e.loss.toFixed(3), acc: e.accuracy.toFixed(3), eps: e.episodesPerSecond.toFixed(1), val: lastValidation || '-' });
        } else if (e.type === 'validation') {
          lastValidation = `${(e.mean * 100).toFixed(1)}%`;
        }
      },
    });
    bar?.stop();
    const summary = {
      ok: true,
      recipe: recipe.name,
      step: result.step,
      stopped: result.stopped,
      bestValidation: result.bestValidation,
      files: result.files,
    };
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

async function resolveRecipe(options: TrainOptions): Promise<TrainingRecipe> {
  if (options.config) {
    try {
      return JSON.parse(await readFile(options.config, 'utf8')) as TrainingRecipe;
    } catch (err) {
      throw new HypertxError('E_RECIPE', `can't read the recipe ${options.config}: ${(err as Error).message}`, { kind: 'input', path: options.config, cause: err });
    }
  }
  if (options.preset) return builtInRecipe(options.preset);
  const stored = path.join(options.checkpointDir, 'recipe.json');
  if (options.resume && existsSync(stored)) return JSON.parse(await readFile(stored, 'utf8')) as TrainingRecipe;
  throw new HypertxError('E_USAGE', 'train needs --preset <recipe> or --config <recipe.json>', {
    kind: 'usage',
    hint: `built-in recipes: ${Object.keys(BUILT_IN_RECIPES).join(', ')}`,
  });
}
