/** Turns any thrown value into one clear message on stderr (never a stack trace) and an exit code. */
import { isHypertxError } from '@hypertx/export';
import pc from 'picocolors';
import { EXIT, exitCodeFor } from './exit-codes.js';

export function reportError(err: unknown, options: { json: boolean }): number {
  if (isHypertxError(err)) {
    const code = exitCodeFor(err.kind);
    if (options.json) {
      process.stdout.write(JSON.stringify({ ok: false, error: { code: err.code, kind: err.kind, message: err.message, hint: err.hint, path: err.path } }) + '\n');
    }
    process.stderr.write(`${pc.red('error')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`${pc.dim('hint')}  ${err.hint}\n`);
    if (err.kind === 'internal' && process.env['HYPERTX_DEBUG']) process.stderr.write(`${String(err.stack)}\n`);
    return code;
  }
  // An error we did not anticipate: still one line, with the way to get the details.
  const message = err instanceof Error ? err.message : String(err);
  if (options.json) process.stdout.write(JSON.stringify({ ok: false, error: { code: 'E_INTERNAL', kind: 'internal', message } }) + '\n');
  process.stderr.write(`${pc.red('internal error')} ${message}\n`);
  if (process.env['HYPERTX_DEBUG']) process.stderr.write(`${err instanceof Error ? String(err.stack) : ''}\n`);
  else process.stderr.write(`${pc.dim('hint')}  run again with HYPERTX_DEBUG=1 for the stack trace, and report it.\n`);
  return EXIT.internal;
}
