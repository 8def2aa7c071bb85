/**
 * A training run killed while it wrote a file (SIGKILL during a checkpoint) leaves the temporary
 * file of that atomic write in its folder. The next run in the folder removes those of its own
 * files whose writer is gone, so a folder never fills with half-written checkpoints.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { atomicTemporaryOf } from '@hypertx/export';
import { isProcessAlive } from '../output/process-alive.js';

/** Removes `.<name>.<pid>.<hex>.tmp` files in `dir` for names in `runFiles` whose process is dead; returns their paths. */
export function removeDeadRunTemporaries(dir: string, runFiles: readonly string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no folder yet: nothing left over
  }
  const removed: string[] = [];
  for (const name of names) {
    const temporary = atomicTemporaryOf(name);
    if (!temporary || !runFiles.includes(temporary.target) || isProcessAlive(temporary.pid)) continue;
    try {
      unlinkSync(path.join(dir, name));
      removed.push(path.join(dir, name));
    } catch {
      // gone already (another run cleaned up meanwhile)
    }
  }
  return removed;
}
