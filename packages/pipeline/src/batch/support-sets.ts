/**
 * The support sets of a batch: every sub-folder of a folder (each one a support folder with a
 * sub-folder per class), or the lines of a manifest (`.jsonl`: `{"name": …, "support": <folder>,
 * "unlabeled"?: <folder>}`, paths relative to the manifest). A set travels as bytes
 * (`PortableSupportSet`) so that a worker on another machine needs no shared filesystem.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError, readInputFile } from '@hypertx/export';

/** One support set of a batch, by where its images are. */
export interface SupportSetSource {
  /** Names the set's output folder and its result line: letters, digits, `.`, `_`, `-`. */
  name: string;
  folder: string;
  /** Unlabelled images (default `<folder>/_unlabeled`, when present). */
  unlabeledFolder?: string;
}

/** A support set as bytes: what a job carries. */
export interface PortableSupportSet {
  name: string;
  images: { label: string; name: string; bytes: Uint8Array }[];
  unlabeled: { name: string; bytes: Uint8Array }[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The sets of a batch folder or manifest, in name order; duplicate or unsafe names are usage errors naming them. */
export async function listSupportSets(input: string): Promise<SupportSetSource[]> {
  let info;
  try {
    info = await stat(input);
  } catch (err) {
    throw new HypertxError('E_NOT_FOUND', `${input} does not exist`, { kind: 'input', path: input, cause: err, hint: 'give a folder of support-set folders or a .jsonl manifest' });
  }
  const sets = info.isDirectory() ? await fromFolder(input) : await fromManifest(input);
  const seen = new Set<string>();
  for (const s of sets) {
    if (!NAME.test(s.name)) {
      throw new HypertxError('E_BATCH_NAME', `support set name "${s.name}" (${s.folder}) is not a safe file name`, {
        kind: 'input',
        path: s.folder,
        hint: 'use letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit',
      });
    }
    if (seen.has(s.name)) throw new HypertxError('E_BATCH_NAME', `two support sets are named "${s.name}"`, { kind: 'input', path: input, hint: 'give each set its own name' });
    seen.add(s.name);
  }
  if (sets.length === 0) throw new HypertxError('E_BATCH_EMPTY', `${input} holds no support sets`, { kind: 'input', path: input, hint: 'put one support folder (with a sub-folder per class) per set inside it' });
  return sets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function fromFolder(dir: string): Promise<SupportSetSource[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const sets: SupportSetSource[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const folder = path.join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && (await linkedFolder(folder)))) sets.push({ name: e.name, folder });
  }
  return sets;
}

/** Whether a link leads to a folder (a set); a link that leads nowhere is an error, not a set dropped silently. */
async function linkedFolder(link: string): Promise<boolean> {
  try {
    return (await stat(link)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HypertxError('E_BROKEN_LINK', `${link} is a symbolic link ${code === 'ELOOP' ? 'loop' : 'that leads nowhere'} (${code ?? String(err)})`, {
      kind: 'input',
      path: link,
      cause: err,
      hint: 'Fix the link or remove it (or rename it to start with "." or "_" to have it ignored).',
    });
  }
}

async function fromManifest(file: string): Promise<SupportSetSource[]> {
  const base = path.dirname(file);
  const lines = (await readInputFile(file, 'manifest')).toString('utf8').split('\n');
  const sets: SupportSetSource[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      throw new HypertxError('E_BATCH_MANIFEST', `${where}: not a JSON object (${(err as Error).message})`, { kind: 'input', path: file, cause: err });
    }
    const e = entry as { name?: unknown; support?: unknown; unlabeled?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.support !== 'string' || (e.name !== undefined && typeof e.name !== 'string') || (e.unlabeled !== undefined && typeof e.unlabeled !== 'string')) {
      throw new HypertxError('E_BATCH_MANIFEST', `${where}: expected {"support": "<folder>", "name"?: "...", "unlabeled"?: "<folder>"}`, { kind: 'input', path: file });
    }
    const folder = path.resolve(base, e.support);
    sets.push({ name: (e.name as string | undefined) ?? path.basename(folder), folder, ...(typeof e.unlabeled === 'string' ? { unlabeledFolder: path.resolve(base, e.unlabeled) } : {}) });
  });
  return sets;
}

/** Reads a set's image files as bytes, with the folder rules of `compile` (class sub-folders, `_unlabeled/`). */
export async function readSupportSet(source: SupportSetSource): Promise<PortableSupportSet> {
  const { scanImageFolder } = await import('@hypertx/data');
  const scanned = await scanImageFolder(source.folder, source.unlabeledFolder !== undefined ? { unlabeledDir: path.resolve(source.unlabeledFolder) } : {});
  const images: PortableSupportSet['images'] = [];
  for (const c of scanned.classes) {
    for (const file of c.files) images.push({ label: c.name, name: path.relative(source.folder, file), bytes: await readInputFile(file, 'image') });
  }
  const unlabeled: PortableSupportSet['unlabeled'] = [];
  for (const file of scanned.unlabeled ?? []) unlabeled.push({ name: path.relative(source.folder, file), bytes: await readInputFile(file, 'image') });
  return { name: source.name, images, unlabeled };
}

/** What a compile depends on besides the images: the same key means the same files. */
export interface CompileSettings {
  /** sha256 of the model file. */
  modelId: string;
  formats: readonly string[];
  ink: 'auto' | 'bright' | 'dark';
  levels: 'auto' | 'none';
  selfLabel: boolean;
}

/**
 * A set's key: sha256 over its labels, image names and bytes, its unlabelled images, and the
 * compile settings. It names the job (so resubmitting is idempotent) and marks finished outputs.
 */
export function supportSetKey(set: PortableSupportSet, settings: CompileSettings): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, name: set.name, settings: { ...settings, formats: [...settings.formats] } }));
  for (const image of set.images) {
    h.update(JSON.stringify([image.label, image.name, image.bytes.byteLength]));
    h.update(image.bytes);
  }
  for (const image of set.unlabeled) {
    h.update(JSON.stringify(['', image.name, image.bytes.byteLength]));
    h.update(image.bytes);
  }
  return h.digest('hex');
}

/** sha256 of a model file: part of every key, so a retrained model recompiles everything. */
export async function modelFileId(file: string): Promise<string> {
  return createHash('sha256').update(await readInputFile(file, 'model')).digest('hex');
}
