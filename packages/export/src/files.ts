/**
 * File helpers: atomic writes (a failure never leaves a half-written model: 'Files are written
 * atomically' in docs/architecture.md) and reading/writing `.hxcnn` models.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileWriteError } from './write-error.js';
import { decodeCnn, encodeCnn } from './hxcnn.js';
import { readInputFile } from './input-file.js';
import type { StandaloneCnn } from './ir.js';

/**
 * Writes `bytes` to a temporary file beside `path`, flushes it, then renames it over `path`.
 * Readers see either the old file or the complete new one.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // (atomicTemporaryOf below parses this name: keep the two together.)
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw fileWriteError(path, err);
  }
}

/**
 * The file and the writing process of a name that `writeFileAtomic` gives its temporary files
 * (`.<name>.<pid>.<8 hex>.tmp`), or undefined for any other name. A process killed mid-write
 * (SIGKILL) leaves one behind; whoever owns the folder removes those of dead processes.
 */
export function atomicTemporaryOf(name: string): { target: string; pid: number } | undefined {
  const m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Validates, encodes and atomically writes a `.hxcnn` model. */
export async function writeCnnFile(path: string, model: StandaloneCnn): Promise<void> {
  await writeFileAtomic(path, encodeCnn(model));
}

/** Reads and validates a `.hxcnn` model; errors name `path`. */
export async function readCnnFile(path: string): Promise<StandaloneCnn> {
  const bytes = await readInputFile(path, 'compiled-model', { codes: { notFound: 'E_FILE_NOT_FOUND', read: 'E_FILE_READ' } });
  return decodeCnn(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
