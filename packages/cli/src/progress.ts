/**
 * Everything the CLI shows while it works goes to stderr (stdout carries only results, so `--json`
 * output can be piped). Step lines in any terminal; a live bar for long loops when stderr is a TTY.
 */
import type { ProgressCallback } from '@hypertx/pipeline';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { forTerminal } from './terminal-text.js';

/** The messages of `step`, `done` and `warn` are plain text (they may quote paths and names): the reporter escapes them for the terminal. */
export interface Reporter {
  /** A one-line status ("Loading model default…"). */
  step(message: string): void;
  /** A finished item with a check mark or a cross. */
  done(message: string, ok?: boolean): void;
  warn(message: string): void;
  /**
   * A progress bar for `total` units; `update` takes the count done and named values for the format.
   * `start` and `values` are its first frame, so no `{placeholder}` is ever drawn.
   */
  bar(total: number, format: string, first?: { start?: number; values?: Record<string, string | number> }): ProgressBar;
}

export interface ProgressBar {
  update(done: number, values?: Record<string, string | number>): void;
  stop(): void;
  /** Prints a line (on stdout or stderr) above the bar without garbling it; the caller escapes what it quotes. */
  print(line: string, stream?: NodeJS.WriteStream): void;
}

export function createReporter(options: { quiet: boolean }): Reporter {
  const err = process.stderr;
  const quiet = options.quiet;
  // A live bar owns the last line of the terminal: anything printed meanwhile starts on a new line.
  let live = false;
  const line = (text: string) => err.write(`${live ? '\n' : ''}${text}\n`);
  return {
    step(message) {
      if (!quiet) line(`${pc.dim('•')} ${forTerminal(message)}`);
    },
    done(message, ok = true) {
      if (!quiet) line(`${ok ? pc.green('✓') : pc.red('✗')} ${forTerminal(message)}`);
    },
    warn(message) {
      line(`${pc.yellow('warning')} ${forTerminal(message)}`);
    },
    bar(total, format, first = {}) {
      if (quiet) return { update() {}, stop() {}, print: printLine };
      if (!err.isTTY) return lineBar(total);
      const bar = new cliProgress.SingleBar(
        { format, stream: err, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, first.start ?? 0, first.values ?? {});
      live = true;
      return {
        update: (done, values) => bar.update(done, values),
        print(text, stream = process.stdout) {
          err.write('\r\x1b[2K'); // clear the bar's line; the next update draws it again below the text
          stream.write(text + '\n');
          bar.render();
        },
        stop: () => {
          if (!live) return;
          bar.stop();
          live = false;
        },
      };
    },
  };
}

/** Without a TTY (CI, pipes) a bar would be noise: print a plain line every ~10%. */
function lineBar(total: number): ProgressBar {
  let nextAt = 0;
  return {
    update(done, values) {
      if (done < nextAt && done < total) return;
      nextAt = done + Math.max(1, Math.ceil(total / 10));
      const extra = values ? Object.entries(values).map(([k, v]) => `${k} ${v}`).join('  ') : '';
      process.stderr.write(`  ${done}/${total}  ${extra}\n`);
    },
    stop() {},
    print: printLine,
  };
}

function printLine(text: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(text + '\n');
}

/**
 * Renders the pipeline's progress events: milestones as step lines, counted work (episodes,
 * support sets) as a bar. Image decoding is quick and is not drawn.
 */
export function renderProgress(reporter: Reporter): ProgressCallback & { stop(): void } {
  let bar: ProgressBar | undefined;
  let barUnit = '';
  const callback = (event: Parameters<ProgressCallback>[0]): void => {
    if (event.type === 'stage') reporter.step(event.message);
    else if (event.type === 'progress' && event.unit !== 'images') {
      if (!bar || barUnit !== event.unit) {
        bar?.stop();
        bar = reporter.bar(event.total, `  {bar} {value}/{total} ${event.unit} | ETA {eta_formatted}`);
        barUnit = event.unit;
      }
      bar.update(event.done);
      if (event.done >= event.total) {
        bar.stop();
        bar = undefined;
      }
    }
  };
  return Object.assign(callback, { stop: () => bar?.stop() });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
