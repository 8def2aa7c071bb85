/**
 * A compile's private staging folder: `.hypertx-<pid>-<8 hex>` beside its outputs (so renames into
 * place stay on one file system), holding the new files under short names (`0`, `1`, ...: an
 * output name near the 255-byte limit still works) and the set's journal. The pid in the name says
 * whose it is: a folder of a dead process is cleaned up by the next run (see recover-outputs.ts).
 *
 * This process's folders are registered, so a signal handler can remove them synchronously.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileWriteError } from '@hypertx/export';

const STAGING_NAME = /^\.hypertx-(\d+)-[0-9a-f]{8}$/;
/** Every name hypertx puts in a staging folder: staged files, backups of the files they replace, the journal. */
const STAGED_ENTRY = /^(\d+|old-\d+|plan\.json|publish\.json|rollback\.json)$/;

const active = new Set<string>();

/** The owner's pid when `name` is a staging folder's name. */
export function stagingOwner(name: string): number | undefined {
  const m = STAGING_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True for a staging folder this process is still using. */
export function isActiveStaging(folder: string): boolean {
  return active.has(path.resolve(folder));
}

/** Creates a new staging folder in `dir` (which exists). */
export function createStagingFolder(dir: string): string {
  const folder = path.resolve(dir, `.hypertx-${process.pid}-${randomBytes(4).toString('hex')}`);
  active.add(folder);
  try {
    // Synchronous: an mkdir still running on the thread pool when a signal handler removes the
    // staging folders would create this one after it.
    mkdirSync(folder);
  } catch (err) {
    active.delete(folder);
    throw fileWriteError(dir, err);
  }
  return folder;
}

/** Writes and flushes one staged file; an error names `target`, the file the user asked for. */
export async function stageFile(file: string, bytes: Uint8Array, target: string): Promise<void> {
  try {
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw fileWriteError(target, err);
  }
}

/**
 * Removes a staging folder: only the names hypertx writes there (anything else, and so the folder,
 * stays). Synchronous, for signal handlers. True when the folder is gone.
 *
 * A signal handler can run while a staged file is still being created on libuv's thread pool: it
 * may appear after the listing. No new write starts while this runs, so listing again until the
 * folder is empty settles it within milliseconds.
 */
export function removeStagingFolder(folder: string): boolean {
  active.delete(path.resolve(folder));
  for (let attempt = 0; attempt < LATE_WRITE_ATTEMPTS; attempt++) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return true;
    }
    const ours = names.filter((n) => STAGED_ENTRY.test(n));
    for (const name of ours) {
      try {
        unlinkSync(path.join(folder, name));
      } catch {
        // gone already
      }
    }
    if (ours.length < names.length) return false; // someone else's file: the folder stays
    try {
      rmdirSync(folder);
      return true;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // let the write in flight finish
    }
  }
  return false;
}

/** How often removeStagingFolder looks again for a file a write in flight created (2 ms apart). */
const LATE_WRITE_ATTEMPTS = 50;

/** Stops tracking a staging folder that must stay (its journal is for a later run to finish). */
export function forgetStagingFolder(folder: string): void {
  active.delete(path.resolve(folder));
}

/** Removes this process's staging folders (a signal handler calls it before exiting); returns them. */
export function discardOwnStaging(): string[] {
  const folders = [...active];
  for (const folder of folders) removeStagingFolder(folder);
  return folders;
}
