/**
 * A compile's private staging folder: `.hypertx-<pid>-<8 hex>` beside its outputs (so renames into
 * place stay on one file system), holding the new files under short names (`0`, `1`, ...: an
 * output name near the 255-byte limit still works) and the set's journal. The pid in the name says
 * whose it is: a folder of a dead process is cleaned up by the next run (see recover-outputs.ts).
 *
 * This process's folders are registered, so a signal handler can remove them synchronously.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
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
export async function createStagingFolder(dir: string): Promise<string> {
  const folder = path.resolve(dir, `.hypertx-${process.pid}-${randomBytes(4).toString('hex')}`);
  // Registered first: a signal arriving once mkdir is done finds it.
  active.add(folder);
  try {
    await mkdir(folder);
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
 */
export function removeStagingFolder(folder: string): boolean {
  active.delete(path.resolve(folder));
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return true;
  }
  for (const name of names.filter((n) => STAGED_ENTRY.test(n))) {
    try {
      unlinkSync(path.join(folder, name));
    } catch {
      // gone already
    }
  }
  try {
    rmdirSync(folder);
    return true;
  } catch {
    return false;
  }
}

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
