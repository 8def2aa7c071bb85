/**
 * Writing a set of files into one folder, all or nothing: readers and later runs see the whole old
 * set or the whole new one, never a mix, whatever happens meanwhile (a full disk, a signal, SIGKILL,
 * other compiles writing the same files).
 *
 *   1. stage: every file is written and flushed into a private staging folder beside the outputs.
 *      The slow part, and where a full disk fails: nothing visible has changed yet.
 *   2. under the folder's lock (synchronous from here): finish what dead writers left
 *      (recover-outputs.ts), then publish: journal, then one rename per file (set-journal.ts).
 *   3. remove the staging folder.
 */
import path from 'node:path';
import { ensureDirectory } from './output-directory.js';
import { type FolderLockOptions, withFolderLock } from './folder-lock.js';
import { recoverLocked } from './recover-outputs.js';
import { hasUnfinishedJournal, publishStaged } from './set-journal.js';
import { createStagingFolder, forgetStagingFolder, removeStagingFolder, stageFile } from './staging-folder.js';

export interface OutputFile {
  /** The file's name in the folder (no path). */
  name: string;
  bytes: Uint8Array;
}

/** Writes `files` into `dir` (created if missing) as one set; they are renamed into place in this order. */
export async function writeOutputSet(dir: string, files: readonly OutputFile[], options: FolderLockOptions = {}): Promise<void> {
  await ensureDirectory(dir);
  const staging = createStagingFolder(dir);
  try {
    for (const [i, file] of files.entries()) await stageFile(path.join(staging, String(i)), file.bytes, path.join(dir, file.name));
    await withFolderLock(
      dir,
      () => {
        recoverLocked(dir);
        publishStaged(dir, staging, files.map((f) => f.name));
      },
      options,
    );
  } finally {
    // A set that failed half-way through being undone stays for the next run to finish.
    if (hasUnfinishedJournal(staging)) forgetStagingFolder(staging);
    else removeStagingFolder(staging);
  }
}
