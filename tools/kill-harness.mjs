#!/usr/bin/env node
/**
 * Kill harness: `hypertx compile` output sets are all or nothing. Compiles of one support set (6
 * files: onnx, tflite, tflite-int8, c-array .cc + .h, hxcnn, all verified, bundled default model)
 * into `m.onnx` are killed with SIGKILL, SIGTERM or SIGINT at random moments, over an earlier set
 * of another support set or into an empty place:
 *   - uniform: at a uniform moment of a whole compile (start-up, model, images, verification, write);
 *   - staging: while the files are being written to the staging folder (slowed 40 ms a file);
 *   - publishing: while the files are renamed into place (slowed 40 ms a rename).
 * (The slowing is @hypertx/pipeline's test-support/publish-faults.js, loaded with --import; the
 * product code is unchanged.) Then 8 compiles of different support sets run at once into the same
 * `m.onnx` (random sets, started at random moments within one compile's time), some of them
 * killed. After each, the next run (a compile of a missing folder to the same
 * output, exit 3) recovers the folder. Checked every time:
 *   - after SIGTERM/SIGINT at once, and after the next run in every case: the folder holds one
 *     whole set, byte for byte that of one support set (old or new; none if there was none), and
 *     nothing else: no staging folder, lock or temporary file;
 *   - exit codes: 130/143 for a handled signal, 0 when the compile finished first.
 * The moments come from a seeded PRNG (--seed), so a run can be repeated.
 *
 * Writes bench/out/kill.json; with --record, bench/results/kill.json (the committed record).
 * Exit 0 when every check passed, 1 otherwise (the failures are listed in the JSON and on stderr).
 *
 * --fast compiles with --no-verify (about half the time: the short version the test suite runs).
 *
 * Usage: node tools/kill-harness.mjs [--kills 200] [--concurrent 10] [--seed 1] [--fast] [--record] [--out <file>]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Random } from '@hypertx/export';
import { OUTPUT_OPTIONS, REPO_ROOT, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    ...OUTPUT_OPTIONS,
    kills: { type: 'string', default: '200' },
    concurrent: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    fast: { type: 'boolean', default: false },
  },
});
const KILLS = positiveInt(args.kills, '--kills');
const ROUNDS = positiveInt(args.concurrent, '--concurrent', true);
const SEED = positiveInt(args.seed, '--seed', true);

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/hypertx.js');
const FAULTS = pathToFileURL(path.join(REPO_ROOT, 'packages/pipeline/dist/test-support/publish-faults.js')).href;
const FORMATS = 'onnx,tflite,tflite-int8,c-array,hxcnn';
const SET_FILES = ['m.hxcnn', 'm.onnx', 'm.tflite', 'm_int8.cc', 'm_int8.h', 'm_int8.tflite'];
const SUPPORT = {
  old: path.join(REPO_ROOT, 'fixtures/support/glyphs-5way-5shot'),
  new: path.join(REPO_ROOT, 'fixtures/support/glyphs-5way-1shot'),
  dark: path.join(REPO_ROOT, 'fixtures/support/glyphs-5way-1shot-dark'),
};
const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'];
const HANDLED_EXIT = { SIGTERM: 143, SIGINT: 130 };
const PAUSE_MS = 40;

if (!existsSync(new URL(FAULTS))) fail('build first: npm run build (needs packages/pipeline/dist/test-support/publish-faults.js)');

const rng = new Random(`kill-harness:${SEED}`);
const work = await mkdtemp(path.join(os.tmpdir(), 'hypertx-kill-'));
const loadBefore = os.loadavg();
const started = performance.now();
const failures = [];

try {
  // The reference sets: each support set compiled once, undisturbed (compiles are deterministic).
  const reference = {};
  const compileMs = [];
  for (const name of Object.keys(SUPPORT)) {
    const t0 = performance.now();
    const r = await compile(SUPPORT[name], path.join(work, `ref-${name}`));
    compileMs.push(performance.now() - t0);
    if (r.code !== 0) fail(`the reference compile of ${name} failed (exit ${r.code}):\n${r.stderr}`);
    reference[name] = await hashes(path.join(work, `ref-${name}`));
    if (Object.keys(reference[name]).join() !== SET_FILES.join()) fail(`unexpected reference files: ${Object.keys(reference[name])}`);
  }
  // How long a whole compile takes now (the machine's load changes): uniform kills fall within it.
  let compileSpan = Math.max(...compileMs);
  progress(`reference compiles: ${compileMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`);

  const trials = [];
  for (let i = 0; trials.filter((t) => t.killed).length < KILLS && i < KILLS * 2; i++) {
    const trial = await killTrial(i, reference, compileSpan);
    if (trial.finishedMs !== undefined) compileSpan = trial.finishedMs;
    trials.push(trial);
    if (trials.length % 10 === 0) progress(`${trials.length} trials, ${trials.filter((t) => t.killed).length} killed, ${failures.length} failures`);
  }
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await concurrentRound(i, reference, compileSpan));
    progress(`concurrent round ${i + 1}/${ROUNDS}: ${rounds.at(-1).after}`);
  }

  const result = {
    about: 'hypertx compile killed at random moments: every output set whole and from one support set, nothing left after the next run',
    ok: failures.length === 0,
    seed: SEED,
    formats: FORMATS,
    verified: !args.fast,
    files: SET_FILES,
    kills: summarizeTrials(trials),
    concurrent: summarizeRounds(rounds),
    failures,
    seconds: round((performance.now() - started) / 1000),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgBefore: loadBefore.map(round), loadavgAfter: os.loadavg().map(round) },
    date: new Date().toISOString().slice(0, 10),
    trials,
    rounds,
  };
  const file = outputPath('kill.json', args);
  await writeOutput(file, JSON.stringify(result, null, 2) + '\n');
  progress(`${result.kills.killed} kills in ${trials.length} trials, ${rounds.length} concurrent rounds of 8: ${failures.length} failures (${result.seconds} s) → ${path.relative(process.cwd(), file)}`);
  for (const f of failures) process.stderr.write(`FAIL ${JSON.stringify(f)}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}

/** One compile of `new`, killed at a random moment; then the next run; both states checked. */
async function killTrial(i, reference, compileSpan) {
  const signal = rng.pick(SIGNALS);
  const existing = rng.bool();
  const mode = rng.pick(['uniform', 'staging', 'publishing']);
  const dir = path.join(work, `trial-${i}`);
  if (existing) await cp(path.join(work, 'ref-old'), dir, { recursive: true });
  const allowed = existing ? ['old', 'new'] : ['none', 'new'];

  const plan =
    mode === 'uniform'
      ? { afterMs: rng.uniform(0, compileSpan) }
      : { cue: `hypertx-fault: ${mode}`, afterMs: rng.uniform(0, PAUSE_MS * (SET_FILES.length + 1)) };
  const env = mode === 'staging' ? { HYPERTX_FAULT_STAGE_PAUSE_MS: String(PAUSE_MS) } : mode === 'publishing' ? { HYPERTX_FAULT_PAUSE_MS: String(PAUSE_MS) } : {};
  const run = await compile(SUPPORT.new, dir, { env, kill: { signal, ...plan } });
  const trial = { i, signal, existing, mode, killAtMs: round(run.killedAtMs ?? NaN), killed: run.killedAtMs !== undefined && run.code !== 0, exit: run.code, exitSignal: run.signal };
  if (mode === 'uniform' && run.code === 0) trial.finishedMs = round(run.ms);

  if (signal !== 'SIGKILL') {
    trial.immediately = await stateOf(dir, reference);
    expect(trial, allowed.includes(trial.immediately.set) && trial.immediately.leftovers.length === 0, `after ${signal}: ${describe(trial.immediately)}`);
    const okExit = run.code === 0 || run.code === HANDLED_EXIT[signal] || (run.code === null && run.signal === signal);
    expect(trial, okExit, `after ${signal}: exit ${run.code} ${run.signal ?? ''}\n${run.stderr.slice(-400)}`);
  } else {
    trial.immediately = await stateOf(dir, reference);
  }
  trial.after = await nextRun(dir, reference, trial);
  expect(trial, allowed.includes(trial.after.set) && trial.after.leftovers.length === 0, `after the next run: ${describe(trial.after)}`);
  await rm(dir, { recursive: true, force: true });
  return { ...trial, immediately: trial.immediately.set, leftoversBefore: trial.immediately.leftovers.length, after: trial.after.set };
}

/** 8 compiles of the support sets at once into one output, some killed. */
async function concurrentRound(i, reference, compileSpan) {
  const existing = rng.bool();
  const dir = path.join(work, `round-${i}`);
  if (existing) await cp(path.join(work, 'ref-old'), dir, { recursive: true });
  const slow = rng.bool(); // renames slowed: publishers overlap and wait for the lock
  const names = Object.keys(SUPPORT);
  // Random sets, started up to one compile apart: any of them may publish last (the 5-shot set
  // verifies more images and would otherwise always finish last).
  const children = Array.from({ length: 8 }, () => {
    const set = rng.pick(names);
    const startMs = rng.uniform(0, compileSpan);
    const kill = rng.bool(0.3) ? { signal: rng.pick(SIGNALS), afterMs: rng.uniform(0, compileSpan * 3) } : undefined;
    return { set, startMs, kill };
  });
  const runs = await Promise.all(
    children.map(async (c) => {
      await new Promise((resolve) => setTimeout(resolve, c.startMs));
      return compile(SUPPORT[c.set], dir, { env: slow ? { HYPERTX_FAULT_PAUSE_MS: '15' } : {}, ...(c.kill ? { kill: c.kill } : {}) });
    }),
  );
  const record = { i, existing, slow, compiles: children.map((c, k) => ({ set: c.set, startMs: round(c.startMs), signal: c.kill?.signal ?? null, killed: runs[k].killedAtMs !== undefined && runs[k].code !== 0, exit: runs[k].code, exitSignal: runs[k].signal })) };
  for (const [k, r] of runs.entries()) {
    const signal = children[k].kill?.signal;
    const okExit = r.code === 0 || (signal && (r.code === HANDLED_EXIT[signal] || r.signal === signal));
    expect(record, okExit, `compile ${k} (${children[k].set}): exit ${r.code} ${r.signal ?? ''}\n${r.stderr.slice(-400)}`);
  }
  const allowed = [...new Set([...children.map((c) => c.set), existing ? 'old' : 'none'])];
  const after = await nextRun(dir, reference, record);
  expect(record, allowed.includes(after.set) && after.leftovers.length === 0, `after 8 concurrent compiles and the next run: ${describe(after)}`);
  await rm(dir, { recursive: true, force: true });
  return { ...record, after: after.set };
}

/** The next run that touches the output: a compile of a folder that does not exist (exit 3), which recovers the folder first. */
async function nextRun(dir, reference, record) {
  const r = await compile(path.join(work, 'no-such-support-folder'), dir);
  expect(record, r.code === 3, `the next run exited ${r.code} (expected 3):\n${r.stderr.slice(-400)}`);
  return stateOf(dir, reference);
}

/** Which whole set `dir` holds (old / new / dark / none / mixed) and what else is there. */
async function stateOf(dir, reference) {
  const names = existsSync(dir) ? (await readdir(dir)).sort() : [];
  const leftovers = names.filter((n) => !SET_FILES.includes(n));
  const files = names.filter((n) => SET_FILES.includes(n));
  if (files.length === 0) return { set: 'none', leftovers };
  const found = await hashes(dir, files);
  const whole = Object.keys(reference).find((name) => SET_FILES.every((f) => found[f] === reference[name][f]));
  if (whole) return { set: whole, leftovers };
  const from = Object.fromEntries(files.map((f) => [f, Object.keys(reference).find((name) => reference[name][f] === found[f]) ?? 'unknown']));
  return { set: 'mixed', leftovers, from };
}

function describe(state) {
  return `${state.set}${state.from ? ` ${JSON.stringify(state.from)}` : ''}${state.leftovers.length ? `, left behind: ${state.leftovers.join(', ')}` : ''}`;
}

async function hashes(dir, files = SET_FILES) {
  const out = {};
  for (const f of [...files].sort()) out[f] = createHash('sha256').update(await readFile(path.join(dir, f))).digest('hex').slice(0, 16);
  return out;
}

/**
 * `hypertx compile <support> -m default -f FORMATS -o <dir>/m.onnx -q`. With `kill`, sends
 * `kill.signal` `kill.afterMs` after the start, or after stderr shows `kill.cue`.
 */
function compile(support, dir, { env = {}, kill } = {}) {
  return new Promise((resolve, reject) => {
    const faults = Object.keys(env).length > 0 ? { NODE_OPTIONS: `--import=${FAULTS}` } : {};
    const argv = [BIN, 'compile', support, '-m', 'default', '-f', FORMATS, '-o', path.join(dir, 'm.onnx'), '-q', ...(args.fast ? ['--no-verify'] : [])];
    const child = spawn(process.execPath, argv, {
      env: { ...process.env, ...faults, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const t0 = performance.now();
    let stderr = '';
    let killedAtMs;
    let timer;
    const fire = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killedAtMs = performance.now() - t0;
      child.kill(kill.signal);
    };
    const arm = () => (timer = setTimeout(fire, kill.afterMs));
    if (kill && !kill.cue) arm();
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (kill?.cue && timer === undefined && stderr.includes(kill.cue)) arm();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, ms: performance.now() - t0, ...(killedAtMs !== undefined ? { killedAtMs } : {}) });
    });
  });
}

function summarizeTrials(trials) {
  const count = (pred) => trials.filter(pred).length;
  const by = (key) => Object.fromEntries([...new Set(trials.map((t) => t[key]))].map((v) => [String(v), { trials: count((t) => t[key] === v), killed: count((t) => t[key] === v && t.killed) }]));
  return {
    trials: trials.length,
    killed: count((t) => t.killed),
    bySignal: by('signal'),
    byMode: by('mode'),
    withEarlierSet: count((t) => t.existing),
    // SIGKILL mid-publish: a mixed set until the next run rolled it forward.
    mixedUntilNextRun: count((t) => t.immediately === 'mixed'),
    leftoversUntilNextRun: count((t) => t.leftoversBefore > 0),
    afterNextRun: tally(trials.map((t) => t.after)),
  };
}

function summarizeRounds(rounds) {
  const compiles = rounds.flatMap((r) => r.compiles);
  return { rounds: rounds.length, compiles: compiles.length, killed: compiles.filter((c) => c.killed).length, afterNextRun: tally(rounds.map((r) => r.after)) };
}

function tally(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function expect(record, ok, message) {
  if (ok) return;
  record.failures = [...(record.failures ?? []), message];
  failures.push({ trial: record.i, ...(record.signal ? { signal: record.signal, mode: record.mode } : { round: true }), message });
  process.stderr.write(`FAIL ${record.signal ? `trial ${record.i} (${record.signal}, ${record.mode})` : `round ${record.i}`}: ${message}\n`);
}

function progress(message) {
  process.stderr.write(`kill-harness: ${message}\n`);
}

function positiveInt(value, flag, zeroOk = false) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1)) fail(`${flag} must be a whole number${zeroOk ? '' : ' above 0'}, got "${value}"`);
  return n;
}

function fail(message) {
  process.stderr.write(`kill-harness: ${message}\n`);
  process.exit(2);
}

function round(x) {
  return Math.round(x * 10) / 10;
}
