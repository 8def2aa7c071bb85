#!/usr/bin/env node
/**
 * Fuzz harness: feeds damaged model files, checkpoints, recipes, training logs and images to
 * `hypertx compile`, `inspect`, `verify` and `train` (new runs and --resume), and checks that every
 * one ends in a clean, typed error or a correct result: exit 0/2/3/4, never exit 1, a crash, a
 * hang, more than 1 GB of memory, a stack trace, raw control characters in the output, a leftover
 * temporary file, or a half-written output. Mutations: truncations, bit flips, byte and word
 * overwrites, chunk insert/delete, and structured ones (JSON headers and metadata of .hxmodel,
 * .hxckpt, .hxcnn, .onnx, .tflite; C array text; PNG headers with valid CRCs; recipe values; torn
 * log lines). The valid inputs are made at start with the hypertx under test (see
 * tools/fuzz/corpus.mjs); the cases run in long-lived runner processes that call the CLI's `main`
 * (tools/fuzz/runner.mjs, pool.mjs), each case bounded in time and memory.
 *
 * Writes bench/out/fuzz.json (--record: bench/results/fuzz.json): counts per target × command ×
 * outcome, broken checks, findings (failures grouped by what went wrong, with saved examples
 * under bench/out/fuzz-cases/), the seed, Node version, load average and duration. Exits 1 when a
 * case failed. Run with `npm run fuzz` (builds first; `npm run fuzz -- --cases 500`).
 *
 * Usage: node tools/fuzz.mjs [--seed 1] [--cases 10000] [--jobs 2] [--targets hxmodel,onnx,...]
 *          [--timeout 30] [--memory-mb 1024] [--case <n>] [--save 3] [--cases-dir <dir>]
 *          [--work-dir <dir>] [-q] [--record | --out <file>]
 *   --targets  hxmodel, hxckpt, onnx, tflite, hxcnn, c-array, recipe, train-log, image (default all)
 *   --case n   run only case n of the seed (as in a failure's case.json) and print what it did
 *   --timeout  seconds one case may take before it counts as a hang
 *   --save     failing examples kept per finding (the smallest inputs win)
 *   --cases-dir  where failing examples go (default bench/out/fuzz-cases; earlier ones are removed)
 *   --work-dir   where the corpus and the cases in progress go (default bench/out/fuzz-work)
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OUTPUT_OPTIONS, OUT_DIR, REPO_ROOT, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '10000' },
    jobs: { type: 'string', default: String(Math.min(4, os.availableParallelism())) },
    targets: { type: 'string' },
    timeout: { type: 'string', default: '30' },
    'memory-mb': { type: 'string', default: '1024' },
    case: { type: 'string' },
    save: { type: 'string', default: '3' },
    'cases-dir': { type: 'string' },
    'work-dir': { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    ...OUTPUT_OPTIONS,
  },
});

// Loaded after the flags are checked, so --help and a bad flag answer without the packages built.
const { SPECIAL_FILES, TARGETS, buildCase } = await import('./fuzz/cases.mjs');
const { brokenChecks, outcomeOf } = await import('./fuzz/classify.mjs');
const { makeCorpus } = await import('./fuzz/corpus.mjs');
const { runPool } = await import('./fuzz/pool.mjs');
const { Tally } = await import('./fuzz/tally.mjs');

function fail(message) {
  process.stderr.write(`fuzz.mjs: ${message}\n`);
  process.exit(2);
}
const whole = (name, min) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min) fail(`--${name} takes a whole number ≥ ${min}, got "${args[name]}"`);
  return n;
};
const seed = whole('seed', 0);
const caseCount = whole('cases', 1);
const jobs = whole('jobs', 1);
const timeoutS = whole('timeout', 1);
const memoryLimitBytes = whole('memory-mb', 64) * 2 ** 20;
const only = args.case !== undefined ? whole('case', 0) : undefined;
// A replayed case (--case) is printed, not saved again.
const savePerFinding = only === undefined ? whole('save', 0) : 0;
const targets = args.targets ? args.targets.split(',').map((t) => t.trim()) : Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) fail(`unknown target "${t}"; targets: ${Object.keys(TARGETS).join(', ')}`);

const cliDist = path.join(REPO_ROOT, 'packages/cli/dist');
const bin = path.join(cliDist, 'bin.js');
if (!existsSync(bin)) fail(`${path.relative(REPO_ROOT, bin)} is not built; run \`npm run build\` (npm run fuzz does)`);

const workDir = path.resolve(args['work-dir'] ?? path.join(OUT_DIR, 'fuzz-work'));
const corpusDir = path.join(workDir, 'corpus');
const casesDir = path.join(workDir, 'cases');
const savedDir = path.resolve(args['cases-dir'] ?? path.join(OUT_DIR, 'fuzz-cases'));
const log = (s) => args.quiet || process.stderr.write(s);

// Only what this tool made is removed: the corpus, the cases in progress, and saved examples (folders with a case.json).
await rm(corpusDir, { recursive: true, force: true });
await rm(casesDir, { recursive: true, force: true });
if (only === undefined && existsSync(savedDir)) {
  for (const name of readdirSync(savedDir)) {
    if (existsSync(path.join(savedDir, name, 'case.json'))) await rm(path.join(savedDir, name), { recursive: true, force: true });
  }
}
const t0 = performance.now();
const loadBefore = os.loadavg();
log('making the corpus (compile of the fixture, a 2-step training run)… ');
const corpus = await makeCorpus(corpusDir, { root: REPO_ROOT, bin });
log(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

const tally = new Tally();
const failures = [];
const indices = only !== undefined ? [only] : Array.from({ length: caseCount }, (_, i) => i);
const tFuzz = performance.now();
let done = 0;

/** Copies a failing case into `savedDir` with a case.json that runs it again from the repository root. */
async function saveCase(spec, raw, outcome, problems) {
  const name = `${spec.target}-${spec.command}-${problems[0].check}-${spec.index}`;
  const dest = path.join(savedDir, name);
  // A special input is made again rather than copied (cp cannot copy a FIFO; a sparse file would be
  // written out in full); sparse giants are only described in case.json.
  await cp(spec.dir, dest, { recursive: true, filter: (src) => !(spec.special && src === spec.input) });
  const savedInput = dest + spec.input.slice(spec.dir.length);
  if (spec.special && !spec.special.startsWith('sparse')) {
    await rm(savedInput, { recursive: true, force: true });
    await SPECIAL_FILES[spec.special](savedInput);
  }
  const mapPath = async (arg) => {
    if (!path.isAbsolute(arg)) return arg;
    if (arg.startsWith(spec.dir)) return path.relative(REPO_ROOT, dest + arg.slice(spec.dir.length));
    if (arg.startsWith(corpusDir)) {
      const copy = path.join(dest, 'corpus', path.relative(corpusDir, arg.replace(/\/$/, '')));
      await cp(arg, copy, { recursive: true });
      return path.relative(REPO_ROOT, copy);
    }
    return path.relative(REPO_ROOT, arg) + (arg.endsWith(path.sep) ? path.sep : '');
  };
  const argv = [];
  for (const a of spec.argv) argv.push(await mapPath(a));
  const quote = (a) => (/^[\w./,=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const record = {
    seed,
    case: spec.index,
    target: spec.target,
    command: spec.command,
    mutation: spec.mutation,
    what: spec.what,
    seedFile: path.relative(REPO_ROOT, spec.seedFile),
    ...(spec.special ? { special: `${path.relative(REPO_ROOT, savedInput)} is ${spec.special}${spec.special.startsWith('sparse') ? ' (not saved: make it with `truncate -s <size> <file>`)' : ''}` } : {}),
    outcome,
    problems,
    exitCode: raw.code ?? null,
    commandLine: `node packages/cli/dist/bin.js ${argv.map(quote).join(' ')}`,
    replay: `node tools/fuzz.mjs --seed ${seed} --case ${spec.index}${args.targets ? ` --targets ${args.targets}` : ''}`,
    stdout: (raw.stdout ?? '').slice(0, 2000),
    stderr: (raw.stderr ?? raw.stderrTail ?? '').slice(0, 4000),
    ...(raw.crash ? { crash: raw.crash.slice(0, 4000) } : {}),
  };
  await writeFile(path.join(dest, 'case.json'), JSON.stringify(record, null, 2) + '\n');
  return { dir: path.relative(REPO_ROOT, dest), record };
}


/** Saved example folders, by case, with how many findings refer to each. */
const savedCases = new Map();

/** Keeps the `--save` smallest failing examples of a finding on disk. */
async function keepExample(finding, spec, raw, outcome, problems, inputBytes) {
  if (savePerFinding === 0) return;
  const examples = finding.examples;
  if (examples.length >= savePerFinding) {
    const largest = examples.reduce((w, e, i) => (e.inputBytes > examples[w].inputBytes ? i : w), 0);
    if (!(examples.length > 0 && inputBytes < examples[largest].inputBytes)) return;
    const [gone] = examples.splice(largest, 1);
    const saved = savedCases.get(gone.case);
    if (--saved.refs === 0) {
      savedCases.delete(gone.case);
      await rm(path.join(REPO_ROOT, saved.dir), { recursive: true, force: true });
    }
  }
  let saved = savedCases.get(spec.index);
  if (!saved) {
    saved = { refs: 0, ...(await saveCase(spec, raw, outcome, problems)) };
    savedCases.set(spec.index, saved);
  }
  saved.refs++;
  examples.push({ case: spec.index, inputBytes, what: spec.what, dir: saved.dir, commandLine: saved.record.commandLine });
}

const { restarts } = await runPool({
  count: indices.length,
  jobs: only !== undefined ? 1 : jobs,
  timeoutMs: timeoutS * 1000,
  memoryLimitBytes,
  heapMb: Math.round(memoryLimitBytes / 2 ** 20),
  env: { HYPERTX_FUZZ_CLI_DIST: cliDist, NO_COLOR: '1', FORCE_COLOR: '0', HYPERTX_DEBUG: '' },
  makeSpec: (i) => buildCase({ seed, index: indices[i], targets, corpus, casesDir }),
  onOutcome: async (spec, raw) => {
    const outcome = outcomeOf(raw);
    const broken = await brokenChecks(spec, raw, { memoryLimitBytes });
    const hits = tally.add(spec, raw, outcome, broken);
    if (only !== undefined) {
      process.stdout.write(JSON.stringify({ case: spec.index, target: spec.target, command: spec.command, mutation: spec.mutation, what: spec.what, argv: spec.argv, outcome, broken, code: raw.code, ms: Math.round(raw.ms), stdout: raw.stdout, stderr: raw.stderr ?? raw.stderrTail, crash: raw.crash }, null, 2) + '\n');
    }
    if (hits.length) {
      const problems = hits.map((h) => h.problem);
      const inputBytes = spec.special ? 0 : statSync(spec.input).size;
      failures.push({ case: spec.index, target: spec.target, command: spec.command, mutation: spec.mutation, what: spec.what, outcome, problems, inputBytes });
      for (const { finding } of hits) await keepExample(finding, spec, raw, outcome, problems, inputBytes);
    }
    if (only === undefined) await rm(spec.dir, { recursive: true, force: true });
    done++;
    if (!args.quiet && (done % 100 === 0 || done === indices.length)) {
      log(`\r${done}/${indices.length} cases, ${tally.failing} failing, ${((performance.now() - tFuzz) / 1000).toFixed(0)} s`);
    }
  },
});
log('\n');

const summary = tally.summary();
const result = {
  tool: 'tools/fuzz.mjs',
  date: new Date().toISOString(),
  seed,
  casesRequested: only !== undefined ? 1 : caseCount,
  targets,
  jobs: only !== undefined ? 1 : jobs,
  bounds: { timeoutS, memoryLimitMiB: memoryLimitBytes / 2 ** 20 },
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.availableParallelism(),
  loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: os.loadavg().map((x) => +x.toFixed(2)) },
  durationS: +((performance.now() - t0) / 1000).toFixed(1),
  fuzzDurationS: +((performance.now() - tFuzz) / 1000).toFixed(1),
  runnerRestarts: restarts,
  ...summary,
  findings: summary.findings.map((f) => ({ ...f, examples: [...f.examples].sort((a, b) => a.inputBytes - b.inputBytes) })),
  failures: failures.slice(0, 500),
};
if (only === undefined) {
  await writeOutput(outputPath('fuzz.json', args), JSON.stringify(result, null, 2) + '\n');
  await rm(casesDir, { recursive: true, force: true });
}
log(`${summary.cases} cases in ${result.durationS} s: ${summary.failing} failing; outcomes ${JSON.stringify(summary.byOutcome)}\n`);
for (const f of result.findings.slice(0, 40)) log(`  ${String(f.count).padStart(5)}  ${f.signature}\n`);
process.exitCode = summary.failing > 0 ? 1 : 0;
