/**
 * Publishing a staged set of files into its folder, all or nothing, and finishing a publish that a
 * killed process left half done. Runs under the folder's lock and is synchronous throughout.
 *
 * The journal, in the staging folder, names the set: each staged file, its target name and whether
 * a file of that name was there before (then a hard link to it, `old-<i>`, is kept as a backup).
 *
 *   plan.json      written and flushed first; a staging folder with only this was never published:
 *                  it is discarded (the old files are untouched).
 *   publish.json   the commit point (an atomic rename of plan.json). From here the set is rolled
 *                  forward: each staged file still there is renamed over its target.
 *   rollback.json  a rename into place failed: the targets already replaced get their backups back
 *                  (or are removed, when there was no file before).
 */
import { copyFileSync, closeSync, fsyncSync, linkSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { HypertxError, fileWriteError } from '@hypertx/export';

export interface JournalEntry {
  /** The staged file's name in the staging folder. */
  staged: string;
  /** The output's name in the folder (no path). */
  target: string;
  /** A file of that name was there before (its backup is `old-<staged>`). */
  hadOld: boolean;
}

interface Journal {
  format: 'hypertx-output-set';
  version: 1;
  pid: number;
  files: JournalEntry[];
}

const PLAN = 'plan.json';
const PUBLISH = 'publish.json';
const ROLLBACK = 'rollback.json';

/**
 * Renames the staged files `staged[i]` (in `staging`) over `targets[i]` (in `dir`), in order: all of
 * them, or, when one rename fails, none (the replaced ones get their old files back). Throws a
 * typed error naming the file at fault.
 */
export function publishStaged(dir: string, staging: string, targets: readonly string[]): void {
  const files: JournalEntry[] = targets.map((target, i) => ({ staged: String(i), target, hadOld: existingFile(path.join(dir, target)) }));
  for (const f of files) if (f.hadOld) backUp(path.join(dir, f.target), path.join(staging, `old-${f.staged}`));
  const journal: Journal = { format: 'hypertx-output-set', version: 1, pid: process.pid, files };
  writeDurably(path.join(staging, PLAN), JSON.stringify(journal) + '\n', dir);
  commit(staging, PLAN, PUBLISH, dir);

  for (const [i, f] of files.entries()) {
    try {
      renameSync(path.join(staging, f.staged), path.join(dir, f.target));
    } catch (err) {
      const cause = fileWriteError(path.join(dir, f.target), err);
      commit(staging, PUBLISH, ROLLBACK, dir);
      rollBack(dir, staging, files.slice(0, i));
      unlinkSync(path.join(staging, ROLLBACK)); // done: nothing left to finish
      throw new HypertxError(cause.code, `${cause.message}; the earlier files are back as they were`, { kind: cause.kind, path: cause.path, cause: err, ...(cause.hint ? { hint: cause.hint } : {}) });
    }
  }
  syncFolder(dir);
  unlinkSync(path.join(staging, PUBLISH)); // done: nothing left to finish
}

/** True when `staging` holds a set that was committed and not finished (a later run finishes it). */
export function hasUnfinishedJournal(staging: string): boolean {
  return existsSync(path.join(staging, PUBLISH)) || existsSync(path.join(staging, ROLLBACK));
}

/**
 * Finishes what a dead process's staging folder says: rolls a committed set forward, a failed one
 * back. Returns what it did, or undefined when the set was never committed (nothing to finish).
 */
export function finishJournal(dir: string, staging: string): 'rolled forward' | 'rolled back' | undefined {
  const forward = readJournal(path.join(staging, PUBLISH));
  if (forward) {
    rollForward(dir, staging, forward.files);
    return 'rolled forward';
  }
  const back = readJournal(path.join(staging, ROLLBACK));
  if (back) {
    rollBack(dir, staging, back.files);
    return 'rolled back';
  }
  return undefined;
}

function rollForward(dir: string, staging: string, files: readonly JournalEntry[]): void {
  for (const f of files) {
    const staged = path.join(staging, f.staged);
    if (existsSync(staged)) renameSync(staged, path.join(dir, f.target));
  }
  syncFolder(dir);
}

/** Undoes the renames of `files` that happened (their staged file is gone). */
function rollBack(dir: string, staging: string, files: readonly JournalEntry[]): void {
  for (const f of files) {
    if (existsSync(path.join(staging, f.staged))) continue; // never renamed into place
    const target = path.join(dir, f.target);
    const backup = path.join(staging, `old-${f.staged}`);
    if (f.hadOld) {
      if (existsSync(backup)) renameSync(backup, target);
    } else {
      try {
        unlinkSync(target); // the new file this set put there
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  syncFolder(dir);
}

/** A journal hypertx wrote, with only plain names (a crafted one must not reach outside its folder). */
function readJournal(file: string): Journal | undefined {
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(file, 'utf8')) as Journal;
  } catch {
    return undefined;
  }
  if (journal.format !== 'hypertx-output-set' || !Array.isArray(journal.files)) return undefined;
  const plain = (f: JournalEntry) =>
    /^\d+$/.test(String(f.staged)) && typeof f.target === 'string' && f.target === path.basename(f.target) && !['', '.', '..'].includes(f.target) && !f.target.startsWith('.hypertx');
  return journal.files.every(plain) ? journal : undefined;
}

/** True when `file` exists as something a set may replace; a folder in the way is an error now, before anything changed. */
function existingFile(file: string): boolean {
  try {
    if (lstatSync(file).isDirectory()) throw fileWriteError(file, Object.assign(new Error('is a folder'), { code: 'EISDIR' }));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err instanceof HypertxError ? err : fileWriteError(file, err);
  }
}

/** A hard link to the old file (free); a copy where the file system has no hard links. */
function backUp(file: string, backup: string): void {
  try {
    linkSync(file, backup);
  } catch {
    try {
      copyFileSync(file, backup);
    } catch (err) {
      throw fileWriteError(file, err);
    }
  }
}

function writeDurably(file: string, content: string, dirForErrors: string): void {
  try {
    writeFileSync(file, content, { flag: 'wx' });
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw fileWriteError(dirForErrors, err);
  }
}

/** Renames the journal from one state to the next (atomic), and makes it last. */
function commit(staging: string, from: string, to: string, dirForErrors: string): void {
  try {
    renameSync(path.join(staging, from), path.join(staging, to));
  } catch (err) {
    throw fileWriteError(dirForErrors, err);
  }
  syncFolder(staging);
}

/** Flushes a folder's entries (renames) to disk; where folders can't be flushed, nothing to do. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // e.g. EISDIR/EINVAL on platforms without directory fsync
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
