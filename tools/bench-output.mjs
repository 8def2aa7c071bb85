/**
 * Where benchmark and result scripts write. By default into `bench/out/` (ignored by git), so
 * running a benchmark leaves `git status` clean; with `--record` into the committed record the docs
 * quote (`bench/results/`, or `docs/` for plots); `--out <path>` writes exactly there.
 *
 *   const { values } = parseToolArgs(import.meta.url, { options: { ...OUTPUT_OPTIONS, runs: ... } });
 *   const file = outputPath('edge.json', values);        // bench/out/edge.json, or bench/results/edge.json with --record
 *   await writeOutput(file, JSON.stringify(result, null, 2) + '\n');
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Scratch output of every run (git-ignored). */
export const OUT_DIR = path.join(REPO_ROOT, 'bench/out');
/** The committed results the docs quote. */
export const RECORD_DIR = path.join(REPO_ROOT, 'bench/results');

const loadAtStart = os.loadavg();
const loadAverage = (l) => l.map((x) => Math.round(x * 100) / 100);

/**
 * The machine a result was measured on, with the load average (1, 5, 15 min) when the script
 * started and now: speed needs an idle machine; accuracy does not depend on load, but the record
 * says what else was running.
 */
export function machineRecord() {
  return { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadAverageAtStart: loadAverage(loadAtStart), loadAverageAtEnd: loadAverage(os.loadavg()) };
}

/** The flags every such script takes (for parseToolArgs / parseArgs). */
export const OUTPUT_OPTIONS = Object.freeze({
  out: { type: 'string' },
  record: { type: 'boolean', default: false },
});

/**
 * The file to write: `--out` as given, else `<recordDir>/<name>` with `--record`, else
 * `bench/out/<name>`. `recordDir` is where the committed copy lives (default bench/results).
 */
export function outputPath(name, values, recordDir = RECORD_DIR) {
  if (values.out) return path.resolve(values.out);
  return path.join(values.record ? recordDir : OUT_DIR, name);
}

/** The committed record of `name` (what the docs quote), e.g. for scripts that merge into it. */
export function recordPath(name, recordDir = RECORD_DIR) {
  return path.join(recordDir, name);
}

/**
 * What a merging script starts from: the file it will write when that exists, else the committed
 * record (so a scratch run adds to the recorded results instead of starting empty).
 */
export async function readMergeBase(file, name, recordDir = RECORD_DIR) {
  for (const candidate of [file, recordPath(name, recordDir)]) {
    if (existsSync(candidate)) return JSON.parse(await readFile(candidate, 'utf8'));
  }
  return undefined;
}

/** Writes `text` to `file` (creating its folder) and says where on stderr. */
export async function writeOutput(file, text) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  const shown = path.relative(process.cwd(), file);
  process.stderr.write(`wrote ${shown.startsWith('..') ? file : shown}${file.startsWith(OUT_DIR + path.sep) ? ' (not committed; --record writes the committed copy)' : ''}\n`);
}
