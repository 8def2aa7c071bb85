/**
 * Reading a file the user named (support image, model file, checkpoint, recipe, manifest) without
 * letting the file decide how long or how much we read:
 * - opened with O_NONBLOCK, so a FIFO opens at once instead of waiting for a writer;
 * - `fstat` on the opened descriptor (not `stat` on the path, which could be swapped in between):
 *   anything but a regular file (FIFO, device such as /dev/zero, socket, folder) is refused;
 * - a per-kind size limit, checked before reading and again while reading (a file may grow);
 * - every open and read must make progress within `timeoutMs` (a stalled network mount).
 * All failures are `input` errors (exit 3) naming the path.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { HypertxError } from './errors.js';

/** What a file is for: sets its size limit and how errors call it. */
export type InputFileKind = 'image' | 'model' | 'compiled-model' | 'recipe' | 'manifest';

const MiB = 1024 * 1024;

/** Largest file of each kind hypertx reads (bytes); see "Input files" in docs/cli.md. */
export const INPUT_FILE_LIMITS: Readonly<Record<InputFileKind, number>> = Object.freeze({
  image: 256 * MiB,
  model: 1024 * MiB,
  'compiled-model': 256 * MiB,
  recipe: 1 * MiB,
  manifest: 64 * MiB,
});

const NOUNS: Readonly<Record<InputFileKind, string>> = {
  image: 'image',
  model: 'model file',
  'compiled-model': 'model file',
  recipe: 'recipe',
  manifest: 'manifest',
};

/** How long one open or read may make no progress before the file counts as stalled. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** Bytes asked for per read call: the unit of progress the timeout watches. */
const CHUNK_BYTES = 4 * MiB;
const PROBE_BYTES = 64 * 1024;

export interface ReadInputFileOptions {
  /** Names the file in errors (default by kind: "image", "model file", "recipe", "manifest"). */
  what?: string;
  /** Size limit in bytes (default INPUT_FILE_LIMITS[kind]). */
  maxBytes?: number;
  /** Per open/read call (default DEFAULT_READ_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Codes for a missing and an unreadable file, where a caller has long used its own. */
  codes?: { notFound?: string; read?: string };
}

/** Reads a whole regular file under the limits above; see the module comment. */
export async function readInputFile(path: string, kind: InputFileKind, options: ReadInputFileOptions = {}): Promise<Buffer> {
  const what = options.what ?? NOUNS[kind];
  const limits: ReadLimits = {
    path,
    what,
    maxBytes: options.maxBytes ?? INPUT_FILE_LIMITS[kind],
    timeoutMs: options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
  };
  const handle = await openForReading(path, what, limits.timeoutMs, options.codes);
  let stalled = false;
  try {
    const stats = await within(handle.stat(), limits.timeoutMs, () => stalledError(path, what, 'read', limits.timeoutMs));
    if (!stats.isFile()) throw await notARegularFile(path, what, stats);
    if (stats.size > limits.maxBytes) throw tooLarge(limits, stats.size);
    return await readAllWithin(handle, stats.size, limits);
  } catch (err) {
    stalled = (err as HypertxError).code === 'E_READ_TIMEOUT';
    throw isHypertxShaped(err) ? err : readError(path, what, err, options.codes?.read);
  } finally {
    // close() waits for a pending read: after a stall, let it close whenever the read returns.
    if (stalled) void handle.close().catch(() => undefined);
    else await handle.close().catch(() => undefined);
  }
}

/** Opens and reads that timed out and have not returned yet (they keep a process from exiting). */
export function pendingStalledReads(): number {
  return stalledNow;
}

let stalledNow = 0;

/** The part of a FileHandle reading needs (tests give a stalling one). */
export interface ChunkReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export interface ReadLimits {
  path: string;
  what: string;
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Reads from position 0 to end of file. `expectedSize` (from fstat) sizes the first buffer; a file
 * that grows past `maxBytes` while being read is refused, one that shrinks is returned as it is.
 */
export async function readAllWithin(reader: ChunkReader, expectedSize: number, limits: ReadLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(expectedSize, 1), limits.maxBytes + 1));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      chunks.push(buffer);
      // Usually only the end of file is left to see: probe with a small buffer first.
      const next = total === expectedSize ? PROBE_BYTES : CHUNK_BYTES;
      buffer = Buffer.allocUnsafe(Math.min(next, limits.maxBytes + 1 - total));
      filled = 0;
    }
    const length = Math.min(CHUNK_BYTES, buffer.length - filled);
    const { bytesRead } = await within(reader.read(buffer, filled, length, total), limits.timeoutMs, () => stalledError(limits.path, limits.what, 'read', limits.timeoutMs));
    if (bytesRead === 0) break;
    filled += bytesRead;
    total += bytesRead;
    if (total > limits.maxBytes) throw tooLarge(limits, total, true);
  }
  chunks.push(buffer.subarray(0, filled));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

async function openForReading(path: string, what: string, timeoutMs: number, codes: ReadInputFileOptions['codes']): Promise<FileHandle> {
  // O_NONBLOCK: a FIFO with no writer opens at once (and is then refused by fstat). No effect on regular files.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
  const opening = open(path, flags);
  try {
    return await within(opening, timeoutMs, () => stalledError(path, what, 'open', timeoutMs), (late) => void late.close().catch(() => undefined));
  } catch (err) {
    if (isHypertxShaped(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new HypertxError(codes?.notFound ?? 'E_NOT_FOUND', `${what} not found: ${path}`, { kind: 'input', path, cause: err });
    }
    if (code === 'EISDIR') throw new HypertxError('E_NOT_A_FILE', `${what} ${path} is a folder, not a file`, { kind: 'input', path, cause: err });
    throw readError(path, what, err, codes?.read);
  }
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms` without it settling. The
 * operation cannot be cancelled: it counts as stalled until it returns, and `onLate` gets a value it
 * produces after the deadline (an opened file to close).
 */
function within<T>(promise: Promise<T>, ms: number, onTimeout: () => Error, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stalledNow++;
      reject(onTimeout());
    }, ms);
    promise.then(
      (value) => {
        if (!timedOut) return void (clearTimeout(timer), resolve(value));
        stalledNow--;
        onLate?.(value);
      },
      (err: unknown) => {
        if (!timedOut) return void (clearTimeout(timer), reject(err));
        stalledNow--;
      },
    );
  });
}

function describeType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

async function notARegularFile(path: string, what: string, stats: Stats): Promise<HypertxError> {
  // Name a link's target too: "x.png (a link to /dev/zero)" explains what the user sees as a file.
  const target = await realpath(path).catch(() => resolve(path));
  const via = target !== resolve(path) ? ` (a link to ${target})` : '';
  return new HypertxError('E_NOT_A_FILE', `${what} ${path}${via} is ${describeType(stats)}, not a regular file`, {
    kind: 'input',
    path,
    hint: `hypertx reads only regular files; give the ${what} itself (copy it out of the pipe or device).`,
  });
}

/** `grew`: the size is what was read so far (the file grew after fstat, or fstat did not know). */
function tooLarge(limits: ReadLimits, size: number, grew = false): HypertxError {
  return new HypertxError('E_FILE_TOO_LARGE', grew
      ? `${limits.what} ${limits.path} holds more than the ${formatBytes(limits.maxBytes)} limit (it grew while being read)`
      : `${limits.what} ${limits.path} is ${formatBytes(size)}, over the ${formatBytes(limits.maxBytes)} limit`, {
    kind: 'input',
    path: limits.path,
    hint: `Is this the right file? A ${limits.what} larger than ${formatBytes(limits.maxBytes)} is refused (see "Input files" in docs/cli.md).`,
  });
}

function stalledError(path: string, what: string, op: 'open' | 'read', timeoutMs: number): HypertxError {
  return new HypertxError('E_READ_TIMEOUT', `${what} ${path}: ${op === 'open' ? 'opening it' : 'reading it'} made no progress in ${formatSeconds(timeoutMs)}`, {
    kind: 'input',
    path,
    hint: 'The file is on a stalled disk or network mount; copy it to a local disk and try again.',
  });
}

function readError(path: string, what: string, err: unknown, code = 'E_READ'): HypertxError {
  const errno = (err as NodeJS.ErrnoException).code;
  return new HypertxError(code, `cannot read ${what} ${path}: ${(err as Error).message}`, {
    kind: 'input',
    path,
    cause: err,
    ...(errno === 'EACCES' || errno === 'EPERM' ? { hint: 'Check the file permissions.' } : {}),
  });
}

function isHypertxShaped(err: unknown): err is HypertxError {
  return err instanceof HypertxError;
}

/** 5368709120 → "5.0 GiB"; 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
