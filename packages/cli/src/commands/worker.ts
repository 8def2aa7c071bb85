/** `hypertx worker --queue redis://…`: the queue's `runWorker` until SIGTERM/Ctrl-C, one line per job. */
import type { WorkerEvent } from '@hypertx/queue';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';
import { createReporter, formatMs } from '../progress.js';
import { forTerminal, jsonText } from '../terminal-text.js';

interface WorkerCommandOptions {
  queue: string;
  queueName?: string;
  model: string;
  jobs?: number;
  lockDuration: number;
  stalledInterval: number;
  json?: boolean;
  quiet?: boolean;
}

export async function run(options: WorkerCommandOptions): Promise<number> {
  const reporter = createReporter({ quiet: options.quiet === true });
  const { runWorker } = await import('@hypertx/queue');
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT.interrupted); // a second signal: stop now
    reporter.step('stopping: finishing the jobs in progress (signal again to quit at once)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onEvent = (e: WorkerEvent): void => {
    if (options.json && e.type !== 'error') process.stdout.write(jsonText(e) + '\n');
    else if (e.type === 'ready') reporter.step(`worker ${e.worker} serving queue ${e.queueName} with ${e.threads} compile thread${e.threads === 1 ? '' : 's'}`);
    // Job names and error messages arrive through Redis: escaped for the terminal.
    else if (e.type === 'completed') process.stdout.write(`${pc.green('✓')} ${forTerminal(e.name)}  ${formatMs(e.ms)}${e.attempt > 1 ? `  (attempt ${e.attempt})` : ''}\n`);
    else if (e.type === 'failed') process.stdout.write(`${pc.red('✗')} ${forTerminal(e.name)}  ${forTerminal(e.error.message)}${e.final ? '' : pc.dim('  (will be retried)')}\n`);
    if (e.type === 'error') reporter.warn(`queue: ${e.message}`);
  };
  try {
    const summary = await runWorker({
      queue: options.queue,
      ...(options.queueName ? { queueName: options.queueName } : {}),
      model: options.model,
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      lockDurationMs: options.lockDuration,
      stalledIntervalMs: options.stalledInterval,
      signal: stop.signal,
      onEvent,
    });
    reporter.step(`stopped after ${summary.completed} jobs (${summary.failed} failed)`);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
