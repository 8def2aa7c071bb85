/**
 * Turns what a case did into an outcome and a list of broken promises.
 *
 * Outcomes: `ok` (exit 0), `usage` (2), `input` (3), `verification` (4): clean; `exit-1` (an
 * internal error: a bug), `crash` (an exception escaped, or the process died), `hang` (no answer
 * within the time bound), `over-1GB` (killed for memory, or out of V8 heap), `exit-<n>` (any other
 * code). Checks, whatever the exit code: no stack trace and no raw control characters in the
 * output (NO_COLOR is set, so any there came from a file), at most 1 GB of memory, no temporary
 * file left behind, and no output at all from a compile that failed.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export const CLEAN_OUTCOMES = ['ok', 'usage', 'input', 'verification'];
const BY_CODE = { 0: 'ok', 1: 'exit-1', 2: 'usage', 3: 'input', 4: 'verification' };

const STACK_TRACE = /^\s+at .+(?:\(.*:\d+:\d+\)|:\d+:\d+|\(native\))\s*$/m;
// C0 controls but tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI on some terminals).
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function outcomeOf(raw) {
  if (raw.kind === 'hang') return 'hang';
  if (raw.kind === 'memory') return 'over-1GB';
  if (raw.kind === 'died') {
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(raw.stderrTail ?? '')) return 'over-1GB';
    return 'crash';
  }
  if (raw.crash) return 'crash';
  return BY_CODE[raw.code] ?? `exit-${raw.code}`;
}

async function filesUnder(dir) {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
  } catch {
    return [];
  }
}

/** The checks a case broke: `[{ check, detail }]`. */
export async function brokenChecks(spec, raw, { memoryLimitBytes }) {
  const broken = [];
  const output = `${raw.stdout ?? ''}\n${raw.stderr ?? ''}`;
  const trace = STACK_TRACE.exec(output);
  if (trace) broken.push({ check: 'stack-trace', detail: trace[0].trim() });
  const control = CONTROL_CHARS.exec(output);
  if (control) broken.push({ check: 'control-chars', detail: `U+${control[0].codePointAt(0).toString(16).padStart(4, '0')} in the output` });
  const peak = Math.max(raw.maxRssBytes ?? 0, raw.peakSampledBytes ?? 0);
  if (raw.kind === 'result' && peak > memoryLimitBytes && (raw.baselineMaxRssBytes ?? 0) <= memoryLimitBytes) {
    broken.push({ check: 'over-1GB', detail: `peak RSS ${Math.round(peak / 2 ** 20)} MiB` });
  }
  for (const dir of [spec.outputDir, spec.runDir].filter(Boolean)) {
    const temps = (await filesUnder(dir)).filter((f) => /\.tmp$/.test(f));
    if (temps.length) broken.push({ check: 'leftover-temp', detail: temps.map((f) => path.relative(spec.dir, f)).join(', ') });
  }
  if (spec.outputDir && raw.kind === 'result' && raw.code !== 0) {
    const files = await filesUnder(spec.outputDir);
    if (files.length) broken.push({ check: 'partial-output', detail: `exit ${raw.code} left ${files.map((f) => path.relative(spec.dir, f)).join(', ')}` });
  }
  return broken;
}

/** The first line of the error output, with paths and numbers blanked: groups cases by failure. */
export function errorShape(raw) {
  const text = raw.crash ?? raw.stderr ?? raw.stderrTail ?? '';
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return line
    .replace(/(?:\/[^\s:'"(),]+)+/g, '<path>')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, 'N')
    .replace(/"[^"]{40,}"/g, '"…"')
    .slice(0, 160);
}
