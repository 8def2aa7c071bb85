/**
 * One writer at a time per output folder: an exclusive lock file `.hypertx.lock` (created with
 * O_EXCL, holding the holder's pid and a random token). A lock whose holder died (SIGKILL, a crash)
 * is taken over. Taking over goes through a second exclusive file, `.hypertx.lock.break`, under
 * which the lock is read again before it is removed: two processes that both saw the same dead
 * holder then cannot remove each other's fresh lock.
 *
 * The work under the lock is synchronous (`withFolderLock(dir, work)`): no signal handler or other
 * callback can run while it is held, so only SIGKILL or a crash can leave it behind.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HypertxError, fileWriteError } from '@hypertx/export';
import { isProcessAlive } from './process-alive.js';

export const LOCK_NAME = '.hypertx.lock';
export const BREAKER_NAME = '.hypertx.lock.break';

/** A lock file caught between its creation and its first write stays empty for microseconds; one empty for this long was left by a killed process. */
const EMPTY_LOCK_STALE_MS = 5000;

export interface FolderLockOptions {
  /** Give up waiting for a live holder after this long (default 60 s). */
  timeoutMs?: number;
}

/** Runs `work` (synchronous) while holding `dir`'s lock; waits for a live holder, takes over a dead one's. */
export async function withFolderLock<T>(dir: string, work: () => T, options: FolderLockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    const attempt = tryLock(dir);
    if (attempt.token !== undefined) {
      try {
        return work();
      } finally {
        unlock(dir, attempt.token);
      }
    }
    if (Date.now() > deadline) {
      const file = path.join(dir, LOCK_NAME);
      throw new HypertxError('E_OUTPUT_LOCKED', `${dir} is locked by process ${attempt.holder ?? '(unknown)'} (${file})`, {
        kind: 'input',
        path: file,
        hint: `Wait for that hypertx to finish. If no hypertx process ${attempt.holder ?? ''} is running, remove ${file}.`,
      });
    }
    await sleep(wait + Math.random() * wait);
  }
}

/** The pid in the lock file (or the breaker file) `name` of `dir`, when it names one. */
export function lockHolder(dir: string, name = LOCK_NAME): number | undefined {
  return readHolder(path.join(dir, name))?.pid;
}

interface Holder {
  pid: number | undefined;
  /** What the file held, to check it is still the same lock before removing it. */
  content: string;
  ino: number;
  mtimeMs: number;
}

/** Takes the lock (its token), or names the live holder (a dead holder's lock is broken, so the next try may win). */
function tryLock(dir: string): { token?: string; holder?: number } {
  const file = path.join(dir, LOCK_NAME);
  const token = randomBytes(8).toString('hex');
  if (createExclusive(file, JSON.stringify({ pid: process.pid, token }))) return { token };
  const holder = readHolder(file);
  if (!holder) return {}; // released meanwhile
  if (!isStale(holder)) return { ...(holder.pid !== undefined ? { holder: holder.pid } : {}) };
  breakStaleLock(dir, holder);
  return {};
}

/** Creates `file` with `content` if it does not exist; false when it does. */
function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileWriteError(file, err, 'E_OUTPUT_LOCK');
  }
  try {
    writeSync(fd, content);
  } catch (err) {
    closeSync(fd);
    unlinkSync(file);
    throw fileWriteError(file, err, 'E_OUTPUT_LOCK');
  }
  closeSync(fd);
  return true;
}

function readHolder(file: string): Holder | undefined {
  try {
    const { ino, mtimeMs } = statSync(file);
    const content = readFileSync(file, 'utf8');
    let pid: number | undefined;
    try {
      const parsed = JSON.parse(content) as { pid?: unknown };
      if (typeof parsed.pid === 'number') pid = parsed.pid;
    } catch {
      // empty (being written) or not ours to read: decided by age below
    }
    return { pid, content, ino, mtimeMs };
  } catch {
    return undefined;
  }
}

function isStale(holder: Holder): boolean {
  if (holder.pid !== undefined) return !isProcessAlive(holder.pid);
  return Date.now() - holder.mtimeMs > EMPTY_LOCK_STALE_MS;
}

function sameLock(a: Holder, b: Holder | undefined): boolean {
  return b !== undefined && a.content === b.content && a.ino === b.ino && a.mtimeMs === b.mtimeMs;
}

/** Removes the lock `stale` if it is still there, under the breaker file. */
function breakStaleLock(dir: string, stale: Holder): void {
  const file = path.join(dir, LOCK_NAME);
  const breaker = path.join(dir, BREAKER_NAME);
  if (!createExclusive(breaker, JSON.stringify({ pid: process.pid }))) {
    // Someone is breaking it now (a few microseconds), or died doing so: then the breaker goes too.
    const other = readHolder(breaker);
    if (other && isStale(other)) removeIfSame(breaker, other);
    return;
  }
  try {
    removeIfSame(file, stale);
  } finally {
    unlinkSync(breaker);
  }
}

function removeIfSame(file: string, expected: Holder): void {
  if (!sameLock(expected, readHolder(file))) return;
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileWriteError(file, err, 'E_OUTPUT_LOCK');
  }
}

function unlock(dir: string, token: string): void {
  const file = path.join(dir, LOCK_NAME);
  try {
    // Only our own lock: never one a process took over, wrongly thinking we had died.
    if ((JSON.parse(readFileSync(file, 'utf8')) as { token?: string }).token === token) unlinkSync(file);
  } catch {
    // gone already
  }
}
