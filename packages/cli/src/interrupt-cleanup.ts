/**
 * Ctrl-C (SIGINT) or SIGTERM during compile must not leave a half-written model behind. Files are
 * written atomically (writeFileAtomic: a temporary `.<name>.<pid>.<random>.tmp` beside the target,
 * then a rename), but a signal's default action kills the process before the temporary file is
 * unlinked. This handler removes this process's temporary files from the output folders, says so
 * on stderr, and exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** True for a temporary file writeFileAtomic of THIS process made (other processes' are left alone). */
export function isOwnTempFile(name: string, pid = process.pid): boolean {
  return name.startsWith('.') && name.endsWith('.tmp') && name.includes(`.${pid}.`);
}

/** Deletes this process's temporary files in `dirs` (synchronously: it runs right before exit). */
export function removeOwnTempFiles(dirs: Iterable<string>): string[] {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // the folder was never created: nothing to clean
    }
    for (const name of names.filter((n) => isOwnTempFile(n))) {
      try {
        unlinkSync(path.join(dir, name));
        removed.push(path.join(dir, name));
      } catch {
        // already renamed or removed
      }
    }
  }
  return removed;
}

/**
 * Installs the handlers for the output files `files`; returns a function that removes them again.
 * While installed, a signal ends the process (after cleaning up) instead of Node's default kill.
 */
export function cleanUpOnInterrupt(files: string[]): () => void {
  const dirs = files.map((f) => path.dirname(path.resolve(f)));
  const handler = (signal: NodeJS.Signals) => {
    removeOwnTempFiles(dirs);
    process.stderr.write(`\ninterrupted (${signal}): no partial file was left behind\n`);
    process.exit(128 + (constants.signals[signal] ?? 2));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
}
