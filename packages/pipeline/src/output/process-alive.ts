/**
 * Whether a process id still names a running process on this machine: what decides that a lock or
 * a staging folder was left by a dead process and may be taken over. A zombie (killed, not yet
 * reaped by its parent) counts as dead: it will never finish what it started.
 */
import { readFileSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux only: the state letter after the command name in /proc/<pid>/stat; elsewhere false. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
