/**
 * log.jsonl, a training run's curves: one JSON object per line, appended as training goes. A run
 * killed mid-append leaves a half-written last line; reading ignores it (and a resume cuts it
 * away), while a bad line before the last one is damage the user must see.
 */
import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { HypertxError, readInputFile, writeFileAtomic } from '@hypertx/export';

export interface LogEntry {
  type: string;
  step: number;
  [field: string]: unknown;
}

export interface RunLog {
  /** Each entry with the line it was read from (rewrites keep lines as written). */
  entries: { entry: LogEntry; line: string }[];
  /** The last line was cut short (an append the process did not finish). */
  tornLastLine: boolean;
}

/** Reads a run's log; a missing file is an empty log. */
export async function readRunLog(file: string): Promise<RunLog> {
  let text: string;
  if (!existsSync(file)) return { entries: [], tornLastLine: false };
  // Regular files only, within a size limit and a read timeout: a FIFO or device put in the run
  // folder is an error, never a hang.
  text = (await readInputFile(file, 'manifest', { what: 'training log', codes: { notFound: 'E_RUN_LOG', read: 'E_RUN_LOG' } })).toString('utf8');
  const lines = text.split('\n');
  const last = lines.findLastIndex((l) => l.trim() !== '');
  const entries: RunLog['entries'] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const entry = parseEntry(line);
    if (entry) entries.push({ entry, line });
    else if (i === last) return { entries, tornLastLine: true };
    else {
      throw new HypertxError('E_RUN_LOG', `${file} line ${i + 1} is not a log entry: ${line.length > 60 ? `${line.slice(0, 57)}...` : line}`, {
        kind: 'input',
        path: file,
        hint: 'each line must be one JSON object with "type" and "step"; repair or delete that line (or the whole log, losing its curves) and run again',
      });
    }
  }
  return { entries, tornLastLine: false };
}

export async function appendRunLog(file: string, entry: LogEntry): Promise<void> {
  await appendFile(file, JSON.stringify(entry) + '\n');
}

/**
 * Prepares the log for a run resumed at `step`: drops entries past it (those steps are trained and
 * logged again) and a torn last line, rewriting the file atomically only when something goes.
 */
export async function resumeRunLog(file: string, step: number): Promise<RunLog> {
  const log = await readRunLog(file);
  const kept = log.entries.filter((e) => e.entry.step <= step);
  if (kept.length < log.entries.length || log.tornLastLine) {
    await writeFileAtomic(file, new TextEncoder().encode(kept.map((e) => e.line + '\n').join('')));
  }
  return { entries: kept, tornLastLine: log.tornLastLine };
}

/** The best validation result in a log. */
export function bestValidation(log: RunLog): { step: number; mean: number; ci95: number } | null {
  let best: { step: number; mean: number; ci95: number } | null = null;
  for (const { entry } of log.entries) {
    if (entry.type !== 'validation' || typeof entry['mean'] !== 'number' || typeof entry['ci95'] !== 'number') continue;
    if (!best || entry['mean'] > best.mean) best = { step: entry.step, mean: entry['mean'], ci95: entry['ci95'] };
  }
  return best;
}

function parseEntry(line: string): LogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const e = value as Partial<LogEntry> | null;
  const ok = typeof e === 'object' && e !== null && !Array.isArray(e) && typeof e.type === 'string' && typeof e.step === 'number' && Number.isInteger(e.step);
  return ok ? (e as LogEntry) : undefined;
}
