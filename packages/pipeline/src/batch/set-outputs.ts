/**
 * A batch's outputs: `<out>/<set name>/` holds the set's model files and `hypertx-set.json` — the
 * set's key, labels and files — written together as one set (all or nothing, the record renamed
 * into place last). A folder whose record has the same key and whose files all exist is done: a
 * re-run skips it, so a killed batch resumes where it was.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompiledFormat } from '../compile/export-and-verify.js';
import { planOutputs } from '../output/plan-outputs.js';
import { recoverOutputFolder } from '../output/recover-outputs.js';
import { SET_RECORD } from '../output/set-record-name.js';
import { outputPaths, writeCompiled } from '../output/write-compiled.js';

export { SET_RECORD };

/** What `hypertx-set.json` holds. */
export interface SetRecord {
  format: 'hypertx-batch-set';
  version: 1;
  key: string;
  name: string;
  labels: string[];
  supportSetHash: string;
  /** Files of the set, relative to its folder. */
  files: string[];
  formats: { format: string; bytes: number; runtime: string | null }[];
}

/** What a compile of one set produced, wherever it ran. */
export interface SetCompilation {
  labels: string[];
  supportSetHash: string;
  formats: CompiledFormat[];
}

export function setFolder(out: string, name: string): string {
  return path.join(out, name);
}

/**
 * True when `<out>/<name>` already holds the outputs of a compile with this key. A set a killed
 * writer left half-published there is finished first, so the answer is about a whole set.
 */
export async function isSetDone(out: string, name: string, key: string): Promise<boolean> {
  const dir = setFolder(out, name);
  try {
    await recoverOutputFolder(dir);
    const record = JSON.parse(await readFile(path.join(dir, SET_RECORD), 'utf8')) as SetRecord;
    return record.key === key && record.files.every((f) => existsSync(path.join(dir, f)));
  } catch {
    return false;
  }
}

/** Writes a set's files and its record as one set; resolves to the model files' paths. */
export async function writeSetOutputs(out: string, name: string, key: string, compiled: SetCompilation): Promise<string[]> {
  const dir = setFolder(out, name);
  const plans = planOutputs({ baseName: name, formats: compiled.formats.map((f) => f.format), output: dir, outputIsDirectory: true });
  const files = compiled.formats.flatMap((f) => outputPaths(f, plans)).map((p) => path.relative(dir, p));
  const record: SetRecord = {
    format: 'hypertx-batch-set',
    version: 1,
    key,
    name,
    labels: compiled.labels,
    supportSetHash: compiled.supportSetHash,
    files,
    formats: compiled.formats.map((f) => ({ format: f.format, bytes: f.bytes, runtime: f.verification?.runtime ?? null })),
  };
  const recordBytes = new TextEncoder().encode(JSON.stringify(record, null, 2) + '\n');
  await writeCompiled(compiled.formats, plans, [{ path: path.join(dir, SET_RECORD), bytes: recordBytes }]);
  return files.map((f) => path.join(dir, f));
}
