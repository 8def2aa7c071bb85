/**
 * Turns any thrown value into one clear message on stderr (never a stack trace) and an exit code.
 * Messages quote paths, labels and values from files and users: escaped for the terminal (the JSON keeps them exact).
 */
import { isHypertxError } from '@hypertx/export';
import pc from 'picocolors';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { forTerminal, jsonText } from './terminal-text.js';

export function reportError(err: unknown, options: { json: boolean }): number {
  if (isHypertxError(err)) {
    const code = exitCodeFor(err.kind);
    const hint = commandHint(err.code, err.hint);
    if (options.json) writeJson({ ok: false, error: { code: err.code, kind: err.kind, message: err.message, hint, path: err.path } });
    process.stderr.write(`${pc.red('error')} ${forTerminal(err.message)}\n`);
    if (hint) process.stderr.write(`${pc.dim('hint')}  ${forTerminal(hint)}\n`);
    if (err.kind === 'internal' && process.env['HYPERTX_DEBUG']) process.stderr.write(`${String(err.stack)}\n`);
    return code;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (isOutOfMemory(err)) {
    // Not a bug to report: the work did not fit the backend's memory (the wasm heap is at most 4 GB).
    if (options.json) writeJson({ ok: false, error: { code: 'E_OUT_OF_MEMORY', kind: 'internal', message, hint: OUT_OF_MEMORY_HINT } });
    process.stderr.write(`${pc.red('error')} TensorFlow.js ran out of memory (${forTerminal(message)})\n`);
    process.stderr.write(`${pc.dim('hint')}  ${OUT_OF_MEMORY_HINT}\n`);
    if (process.env['HYPERTX_DEBUG']) process.stderr.write(`${err instanceof Error ? String(err.stack) : ''}\n`);
    return EXIT.internal;
  }
  // An error we did not anticipate: still one line, with the way to get the details.
  if (options.json) writeJson({ ok: false, error: { code: 'E_INTERNAL', kind: 'internal', message } });
  process.stderr.write(`${pc.red('internal error')} ${forTerminal(message)}\n`);
  if (process.env['HYPERTX_DEBUG']) process.stderr.write(`${err instanceof Error ? String(err.stack) : ''}\n`);
  else process.stderr.write(`${pc.dim('hint')}  run again with HYPERTX_DEBUG=1 for the stack trace, and report it.\n`);
  return EXIT.internal;
}

/** Pretty-printed, like every command's JSON result (docs/cli.md, "JSON output"). */
function writeJson(value: unknown): void {
  process.stdout.write(jsonText(value, 2) + '\n');
}

/** The libraries' hints name their options; on the command line the flag is what to change. */
function commandHint(code: string, hint: string | undefined): string | undefined {
  if (code === 'E_IMAGE_TOO_LARGE') return 'Downscale it first, or raise the limit with --max-pixels <n>.';
  return hint;
}

const OUT_OF_MEMORY_HINT =
  'use fewer or smaller episodes per step (recipe episodes.perStep, ways, shots, image size); a training run continues from its last checkpoint with --resume';

/** A wasm heap overflow (out-of-bounds access, failed growth) or a V8 allocation failure. */
function isOutOfMemory(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /memory access out of bounds|out of memory|Cannot allocate Wasm memory|Array buffer allocation failed|could not allocate memory/i.test(err.message);
}
