/**
 * `hypertx compile-batch <sets> -o <out>`: the pipeline's `compileBatch` (threads on this machine)
 * or the queue's `submitBatch` (--queue), rendered: a progress bar on stderr (sets done, sets/s,
 * ETA, failures), one result line per set and a summary on stdout, or JSON lines with --json.
 * Exit 0 when every set compiled or was already there; otherwise the code of the worst failure.
 */
import type { BatchSetResult, BatchSummary, ProgressEvent } from '@hypertx/pipeline';
import pc from 'picocolors';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { createReporter, formatMs } from '../progress.js';
import { forTerminal, jsonText } from '../terminal-text.js';

interface CompileBatchOptions {
  output: string;
  model: string;
  format: string;
  jobs?: number;
  queue?: string;
  queueName?: string;
  timeout?: number;
  force?: boolean;
  ink: 'auto' | 'bright' | 'dark';
  levels: 'auto' | 'none';
  selfLabel: boolean;
  verify: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function run(sets: string, options: CompileBatchOptions): Promise<number> {
  const reporter = createReporter({ quiet: options.quiet === true });
  const { parseFormats } = await import('@hypertx/pipeline');
  const common = {
    out: options.output,
    model: options.model,
    formats: parseFormats(options.format, '--format')!,
    ink: options.ink,
    levels: options.levels,
    selfLabel: options.selfLabel,
    verify: options.verify,
    ...(options.force ? { force: true } : {}),
  };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let bar: ReturnType<typeof reporter.bar> | undefined;
  const started = performance.now();
  let failures = 0;
  const onProgress = (e: ProgressEvent): void => {
    if (e.type === 'stage') {
      if (bar) bar.print(`${pc.dim('•')} ${forTerminal(e.message)}`, process.stderr);
      else reporter.step(e.message);
    } else if (e.type === 'set') {
      if (e.result.status === 'failed') failures++;
      bar ??= reporter.bar(e.total, '  {bar} {value}/{total} sets | {rate} sets/s | {failures} failed | {remaining}', { values: { rate: '-', failures: 0, remaining: 'ETA -' } });
      const line = options.json ? jsonText(resultJson(e.result)) : resultLine(e.result);
      bar.print(line);
      const seconds = (performance.now() - started) / 1000;
      const rate = e.done / seconds;
      bar.update(e.done, { rate: rate.toFixed(2), failures, remaining: e.done < e.total ? `ETA ${formatMs(((e.total - e.done) / rate) * 1000)}` : 'done' });
    }
  };

  let summary: BatchSummary;
  try {
    if (options.queue) {
      const { submitBatch } = await import('@hypertx/queue');
      summary = await submitBatch(sets, {
        ...common,
        queue: options.queue,
        ...(options.queueName ? { queueName: options.queueName } : {}),
        ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}),
        signal: stop.signal,
        onProgress,
      });
    } else {
      const { compileBatch } = await import('@hypertx/pipeline');
      summary = await compileBatch(sets, { ...common, ...(options.jobs !== undefined ? { jobs: options.jobs } : {}), signal: stop.signal, onProgress });
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const perMinute = ((summary.compiled + summary.failed) / summary.seconds) * 60;
  if (options.json) {
    process.stdout.write(jsonText({ summary: true, ok: summary.failed === 0, compiled: summary.compiled, skipped: summary.skipped, failed: summary.failed, seconds: round(summary.seconds), setsPerMinute: round(perMinute) }) + '\n');
  } else {
    const failed = summary.failed ? pc.red(`${summary.failed} failed`) : '0 failed';
    process.stdout.write(`${summary.failed ? pc.yellow('Done') : pc.green('Done')} in ${formatMs(summary.seconds * 1000)}: ${summary.compiled} compiled, ${summary.skipped} already there, ${failed} (${round(perMinute)} sets/min) → ${forTerminal(options.output)}\n`);
  }
  // The worst failure decides the exit code: a bug (1) over a verification mismatch (4) over bad input (3).
  const kinds = new Set(summary.results.filter((r) => r.status === 'failed').map((r) => r.error?.kind ?? 'internal'));
  for (const kind of ['internal', 'verification', 'input', 'usage', 'interrupted'] as const) if (kinds.has(kind)) return exitCodeFor(kind);
  return kinds.size > 0 ? EXIT.internal : EXIT.ok;
}

/** One set's line; its name (a folder name) and error text are escaped for the terminal. */
function resultLine(r: BatchSetResult): string {
  const name = forTerminal(r.name);
  if (r.status === 'failed') return `${pc.red('✗')} ${name}  ${forTerminal(r.error?.message ?? 'failed')}${r.error?.hint ? pc.dim(` (${forTerminal(r.error.hint)})`) : ''}`;
  if (r.status === 'skipped') return `${pc.dim('=')} ${name}  already compiled`;
  return `${pc.green('✓')} ${name}  ${r.labels?.length ?? 0} classes → ${r.files?.length ?? 0} files  ${formatMs(r.ms)}`;
}

function resultJson(r: BatchSetResult): Record<string, unknown> {
  return { name: r.name, status: r.status, key: r.key, ...(r.labels ? { labels: r.labels } : {}), ...(r.files ? { files: r.files } : {}), ...(r.error ? { error: r.error } : {}), ms: round(r.ms) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
