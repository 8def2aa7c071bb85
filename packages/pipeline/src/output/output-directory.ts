/**
 * Output folders: checked before any heavy work (fail fast, naming the path) and created level by
 * level. Node's `mkdir(..., { recursive: true })` can spin forever on some paths (seen under /proc),
 * so the recursion is ours: find the nearest existing ancestor, then create each missing level.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError, fileWriteError } from '@hypertx/export';

/** The nearest existing ancestor of `dir` (or `dir` itself) and the levels below it that are missing. */
async function existingAncestor(dir: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    try {
      const s = await stat(current);
      if (!s.isDirectory()) {
        throw new HypertxError('E_OUTPUT_NOT_DIRECTORY', `can't write into ${dir}: ${current} is a file, not a folder`, { kind: 'input', path: current });
      }
      return { existing: current, missing };
    } catch (err) {
      if (err instanceof HypertxError) throw err;
      const parent = path.dirname(current);
      if (parent === current) throw err;
      missing.unshift(current);
      current = parent;
    }
  }
}

/** Throws a clear error now if `dir` could not be created or written to later. */
export async function checkOutputDirectory(dir: string): Promise<void> {
  const { existing } = await existingAncestor(dir);
  try {
    await access(existing, constants.W_OK);
  } catch (err) {
    // Says why (a read-only file system is not a permissions problem), naming the folder.
    const reason = fileWriteError(existing, err);
    throw new HypertxError('E_OUTPUT_NOT_WRITABLE', `can't write into ${dir}: ${reason.message.replace(/^can't write /, '')}`, {
      kind: 'input',
      path: existing,
      cause: err,
      ...(reason.hint ? { hint: reason.hint } : {}),
    });
  }
}

/** Creates `dir` and any missing parents, one level at a time. */
export async function ensureDirectory(dir: string): Promise<void> {
  const { missing } = await existingAncestor(dir);
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      const reason = fileWriteError(level, err);
      throw new HypertxError('E_OUTPUT_NOT_WRITABLE', `can't create the output folder ${reason.message.replace(/^can't write /, '')}`, {
        kind: 'input',
        path: level,
        cause: err,
        ...(reason.hint ? { hint: reason.hint } : {}),
      });
    }
  }
}
