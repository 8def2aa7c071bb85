/**
 * Ctrl-C (SIGINT) or SIGTERM during compile. The compile's files are published in one synchronous
 * step (see @hypertx/pipeline's writeOutputSet) in which no signal handler can run, so a signal
 * comes either before it, when this handler removes this process's staging folder and the output
 * folder is as it was, or after it, when every file is written. Either way the handler says which
 * on stderr and exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
 */
import { constants } from 'node:os';
import { discardOwnStaging } from '@hypertx/pipeline';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What the handler says: `written` once all files are in place. */
export function interruptMessage(signal: NodeJS.Signals, written: boolean): string {
  return written
    ? `interrupted (${signal}) after all files were written`
    : `interrupted (${signal}): no file was written; files that were there before are unchanged`;
}

/**
 * Installs the handlers; `written()` tells whether the files are in place. Returns a function that
 * removes them again. While installed, a signal ends the process (after cleaning up) instead of
 * Node's default kill.
 */
export function cleanUpOnInterrupt(written: () => boolean): () => void {
  const handler = (signal: NodeJS.Signals) => {
    discardOwnStaging();
    process.stderr.write(`\n${interruptMessage(signal, written())}\n`);
    process.exit(128 + (constants.signals[signal] ?? 2));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}
