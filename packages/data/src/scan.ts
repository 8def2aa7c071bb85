/**
 * Scanning an image-folder tree: `root/<class>/<image files>` (or `root/<group>/<class>/...`).
 *
 * Rules (documented in the README):
 * - folders whose name starts with `_` or `.` are not classes (`_unlabeled/` is the default
 *   unlabelled folder); hidden files (`.DS_Store`, `._x.png`) are ignored;
 * - an entry that cannot be resolved (a dangling symbolic link, a link loop) or whose name is not
 *   valid UTF-8 is an error naming it: it may be a class, and a class is never dropped silently;
 * - files whose extension is not an image extension (see IMAGE_EXTENSIONS, case-insensitive) and
 *   sub-folders inside a class folder are skipped and listed in `skipped`;
 * - names are sorted in JavaScript's default string order (UTF-16 code units), which does not
 *   depend on the locale: `B` < `a`, `class10` < `class2`.
 */
import { readdir, readlink, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { IMAGE_EXTENSIONS } from './decode.js';
import { DATA_ERROR_CODES, dataError } from './errors.js';

export type FolderLayout = 'class' | 'group/class';

export interface ScannedClass {
  name: string;
  group: string;
  dir: string;
  files: string[];
}

export interface ScannedFolder {
  root: string;
  classes: ScannedClass[];
  /** Image files of the unlabelled folder, if it exists. */
  unlabeled: string[] | undefined;
  unlabeledDir: string | undefined;
  /** Files and folders that were ignored because they are not images (hidden files are not listed). */
  skipped: string[];
}

export interface ScanOptions {
  /** Unlabelled folder, resolved against the root (default `_unlabeled`); `null` for none. */
  unlabeledDir?: string | null;
  layout?: FolderLayout;
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isHidden = (name: string): boolean => name.startsWith('.');
const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** Throws typed errors for a missing folder, a file where a folder was expected, or an unreadable folder. */
export async function assertDirectory(path: string, what: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw dataError(DATA_ERROR_CODES.notFound, `${what} not found: ${path}`, { path, cause: err });
    throw dataError(DATA_ERROR_CODES.read, `cannot access ${what} ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  if (!isDir) throw dataError(DATA_ERROR_CODES.notADirectory, `${what} is not a folder: ${path}`, { path });
}

interface Entry {
  name: string;
  path: string;
  isDir: boolean;
}

async function list(dir: string, what: string): Promise<Entry[]> {
  let rawNames: Buffer[];
  try {
    rawNames = await readdir(dir, { encoding: 'buffer' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw dataError(DATA_ERROR_CODES.read, `cannot list ${what} ${dir}: ${(err as Error).message}`, {
      path: dir,
      cause: err,
      hint: code === 'EACCES' || code === 'EPERM' ? 'Check the folder permissions.' : undefined,
    });
  }
  // Hidden entries are ignored whatever they are, so they are not even looked at.
  const names = rawNames.map((raw) => ({ raw, name: raw.toString('utf8') })).filter((n) => !isHidden(n.name));
  names.sort((a, b) => compareNames(a.name, b.name));
  const entries: Entry[] = [];
  for (const { raw, name } of names) {
    if (!Buffer.from(name, 'utf8').equals(raw)) throw nameNotUtf8(dir, what, raw);
    const path = join(dir, name);
    const kind = await entryKind(path, what, dir);
    if (kind !== 'gone') entries.push({ name, path, isDir: kind === 'dir' });
  }
  return entries;
}

/**
 * Folder or file, following links. An entry that cannot be resolved (a dangling link, a link loop)
 * is an error, not a skip: it may be a class folder, and dropping a class must never pass silently.
 */
async function entryKind(path: string, what: string, dir: string): Promise<'dir' | 'file' | 'gone'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const link = await readlink(path).catch(() => undefined);
    if (code === 'ELOOP') {
      throw dataError(DATA_ERROR_CODES.brokenLink, `${path} in ${what} ${dir} is a symbolic link loop${link !== undefined ? ` (→ ${link})` : ''}`, { path, cause: err, hint: BROKEN_LINK_HINT });
    }
    if (code === 'ENOENT' && link === undefined) return 'gone'; // removed since the folder was listed
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw dataError(DATA_ERROR_CODES.brokenLink, `${path} in ${what} ${dir} is a symbolic link to ${link ?? 'a path'} that does not exist`, { path, cause: err, hint: BROKEN_LINK_HINT });
    }
    throw dataError(DATA_ERROR_CODES.read, `cannot access ${path} in ${what} ${dir}: ${(err as Error).message}`, {
      path,
      cause: err,
      hint: code === 'EACCES' || code === 'EPERM' ? 'Check the permissions of the folders on its path.' : undefined,
    });
  }
}

const BROKEN_LINK_HINT = 'Fix the link or remove it (or rename it to start with "." to have it ignored).';

/** A name that is not UTF-8 cannot be a class name or a file name we report: name it with its bytes escaped. */
function nameNotUtf8(dir: string, what: string, raw: Buffer): Error {
  const shown = [...raw].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  return dataError(DATA_ERROR_CODES.nameNotUtf8, `${what} ${dir} holds "${shown}", whose name is not valid UTF-8 (bytes that are not printable ASCII shown as \\xNN)`, {
    path: join(dir, shown),
    hint: 'Rename it to UTF-8 text (class names become the labels of the compiled model).',
  });
}

async function imageFilesOf(dir: string, what: string, skipped: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const e of await list(dir, what)) {
    if (isHidden(e.name)) continue;
    if (!e.isDir && isImageName(e.name)) files.push(e.path);
    else skipped.push(e.path);
  }
  return files;
}

export async function scanImageFolder(rootDir: string, options: ScanOptions = {}): Promise<ScannedFolder> {
  const root = resolve(rootDir);
  await assertDirectory(root, 'image folder');
  const layout = options.layout ?? 'class';
  const skipped: string[] = [];
  const classes: ScannedClass[] = [];
  // An unlabelled folder named without a leading `_` inside the root is still not a class.
  const unlabeledPath = options.unlabeledDir === null ? undefined : resolve(root, options.unlabeledDir ?? '_unlabeled');
  const isClassDir = (e: Entry): boolean => e.isDir && !e.name.startsWith('_') && !isHidden(e.name) && resolve(e.path) !== unlabeledPath;

  const top = await list(root, 'image folder');
  for (const e of top) {
    if (isClassDir(e)) {
      if (layout === 'class') {
        classes.push({ name: e.name, group: e.name, dir: e.path, files: await imageFilesOf(e.path, 'class folder', skipped) });
      } else {
        for (const c of await list(e.path, 'group folder')) {
          if (isClassDir(c)) classes.push({ name: `${e.name}/${c.name}`, group: e.name, dir: c.path, files: await imageFilesOf(c.path, 'class folder', skipped) });
          else if (!isHidden(c.name)) skipped.push(c.path);
        }
      }
    } else if (!e.isDir && !isHidden(e.name)) {
      skipped.push(e.path);
    }
  }

  let unlabeled: string[] | undefined;
  let unlabeledDir: string | undefined;
  if (options.unlabeledDir !== null) {
    const explicit = options.unlabeledDir !== undefined;
    unlabeledDir = resolve(root, options.unlabeledDir ?? '_unlabeled');
    let exists = true;
    try {
      await stat(unlabeledDir);
    } catch {
      exists = false;
    }
    if (exists || explicit) {
      await assertDirectory(unlabeledDir, 'unlabelled folder');
      unlabeled = await imageFilesOf(unlabeledDir, 'unlabelled folder', skipped);
    } else {
      unlabeledDir = undefined;
    }
  }
  return { root, classes, unlabeled, unlabeledDir, skipped };
}
