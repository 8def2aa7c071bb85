/**
 * Cleaning up after hypertx processes that died while writing into a folder (SIGKILL, a crash, a
 * lost machine): a set they had committed is rolled forward (or back, when it was failing), their
 * uncommitted staging folders, a lock they held and the `.<name>.<pid>.<hex>.tmp` files of earlier
 * versions are removed. Every run that writes into a folder does this first, so after it the
 * folder's sets are whole again. Only what hypertx created is touched.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { atomicTemporaryOf, fileWriteError, isHypertxError } from '@hypertx/export';
import { formatIds, formatPlugin } from '../formats.js';
import { SET_RECORD } from './set-record-name.js';
import { BREAKER_NAME, LOCK_NAME, lockHolder, withFolderLock, type FolderLockOptions } from './folder-lock.js';
import { isProcessAlive } from './process-alive.js';
import { finishJournal, hasUnfinishedJournal } from './set-journal.js';
import { isActiveStaging, removeStagingFolder, stagingOwner } from './staging-folder.js';

export interface Recovered {
  /** The staging folder or file dealt with. */
  path: string;
  action: 'rolled forward' | 'rolled back' | 'removed';
}

/**
 * Recovers `dir` if anything there needs it (cheap otherwise: one directory listing). A folder that
 * does not exist needs nothing.
 */
export async function recoverOutputFolder(dir: string, options: FolderLockOptions = {}): Promise<Recovered[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  if (!names.some((name) => isLeftOver(dir, name))) return [];
  return withFolderLock(dir, () => recoverLocked(dir), options);
}

/** Recovers `dir`; the caller holds its lock. */
export function recoverLocked(dir: string): Recovered[] {
  const recovered: Recovered[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const owner = stagingOwner(name);
    if (owner !== undefined) {
      if (isActiveStaging(file)) continue;
      // A committed set is never in progress while we hold the lock: its writer is gone.
      const committed = hasUnfinishedJournal(file);
      if (!committed && owner !== process.pid && isProcessAlive(owner)) continue; // still staging
      let action: Recovered['action'];
      try {
        action = finishJournal(dir, file) ?? 'removed';
      } catch (err) {
        throw isHypertxError(err) ? err : fileWriteError(dir, err);
      }
      removeStagingFolder(file);
      recovered.push({ path: file, action });
    } else if (isDeadTemporary(name) || (name === BREAKER_NAME && isDeadHolder(file))) {
      try {
        unlinkSync(file);
        recovered.push({ path: file, action: 'removed' });
      } catch {
        // removed by another run meanwhile
      }
    }
  }
  return recovered;
}

/** What a dead process left in `dir` (a live process's lock or staging folder is not). */
function isLeftOver(dir: string, name: string): boolean {
  const owner = stagingOwner(name);
  if (owner !== undefined) return !isActiveStaging(path.join(dir, name)) && (owner === process.pid || !isProcessAlive(owner) || hasUnfinishedJournal(path.join(dir, name)));
  if (name === LOCK_NAME || name === BREAKER_NAME) return isDeadHolder(path.join(dir, name));
  return isDeadTemporary(name);
}

function isDeadHolder(file: string): boolean {
  const pid = lockHolder(path.dirname(file), path.basename(file));
  return pid !== undefined && !isProcessAlive(pid);
}

/** `.<output name>.<pid>.<8 hex>.tmp` of an output file, by a process no longer running (an earlier version's atomic write). */
function isDeadTemporary(name: string): boolean {
  const temporary = atomicTemporaryOf(name);
  if (!temporary || temporary.pid === process.pid || isProcessAlive(temporary.pid)) return false;
  return outputEndings().some((ending) => temporary.target.toLowerCase().endsWith(ending));
}

/** The endings of every file a compile or a batch writes. */
function outputEndings(): string[] {
  const endings = formatIds().flatMap((id) => {
    const plugin = formatPlugin(id);
    return [plugin.extension, ...(plugin.outputEndings ?? [])];
  });
  return [...new Set([...endings, SET_RECORD])].map((e) => e.toLowerCase());
}
