#!/usr/bin/env node
/**
 * Benchmark: compiling many support sets. Support sets per minute for
 *   - the baseline a user has without batching: `hypertx compile` once per set in a shell loop;
 *   - `hypertx compile-batch --jobs 1 | 2 | 4` on this machine (one process, the model loaded once per thread);
 *   - `hypertx compile-batch --queue` with two `hypertx worker` processes (one thread each) on a
 *     local Redis (redis-server, started here on a free loopback port): once with the workers just
 *     started (after they said ready), then again with the same workers, warm (the goal's number:
 *     queue workers are long-running).
 * Every run compiles the same `--sets` support sets (2–6 ways, made from the committed 20-way glyph
 * fixture) to ONNX + TFLite, each file verified; times are whole commands, start-up included. The
 * shell loop runs on the first `--loop-sets` sets only (it is slow) and is scaled to sets/min.
 * Run on an idle machine: the load average before and after is recorded.
 *
 * Writes bench/out/batch.json; with --record, bench/results/batch.json (the committed record).
 *
 * Usage: node tools/bench-batch.mjs [--sets 240] [--loop-sets 12] [--record] [--out <file>]
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseToolArgs } from './tool-args.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/bin/hypertx.js');
const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    sets: { type: 'string', default: '240' },
    'loop-sets': { type: 'string', default: '12' },
    record: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const setCount = Number.parseInt(args.sets, 10);
const loopCount = Math.min(setCount, Number.parseInt(args['loop-sets'], 10));
const out = args.out ?? join(root, args.record ? 'bench/results/batch.json' : 'bench/out/batch.json');
const FORMATS = 'onnx,tflite';

const work = await mkdtemp(join(os.tmpdir(), 'hypertx-bench-batch-'));
const sets = join(work, 'sets');
await makeSets(sets, setCount);

/** `count` distinct support sets: runs of 2–6 consecutive classes of the 20-way fixture. */
async function makeSets(dir, count) {
  const source = join(root, 'fixtures/support/glyphs-20way-1shot');
  const classes = (await readdir(source)).sort();
  for (let i = 0; i < count; i++) {
    const name = `set-${String(i).padStart(3, '0')}`;
    for (let w = 0; w < 2 + (Math.floor(i / classes.length) % 5); w++) {
      const c = classes[(i + w) % classes.length];
      await cp(join(source, c), join(dir, name, c), { recursive: true });
    }
  }
}

function run(argv, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`hypertx ${argv[0]} exited ${code}:\n${stderr}`))));
  });
}

async function timed(label, fn, sets) {
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const perMinute = (sets / seconds) * 60;
  process.stderr.write(`${label.padEnd(40)} ${sets} sets in ${seconds.toFixed(1)} s: ${perMinute.toFixed(1)} sets/min\n`);
  return { sets, seconds: round(seconds), setsPerMinute: round(perMinute) };
}

const round = (x) => Math.round(x * 100) / 100;
const loadBefore = os.loadavg();
const results = {};

const names = (await readdir(sets)).sort();
results.shellLoop = await timed('shell loop (hypertx compile per set)', async () => {
  for (const name of names.slice(0, loopCount)) await run(['compile', join(sets, name), '-f', FORMATS, '-o', join(work, 'loop') + '/', '-q']);
}, loopCount);

for (const jobs of [1, 2, 4]) {
  results[`batchJobs${jobs}`] = await timed(`compile-batch --jobs ${jobs}`, () => run(['compile-batch', sets, '-o', join(work, `batch-${jobs}`), '-f', FORMATS, '--jobs', String(jobs), '-q']), setCount);
}

if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is needed for the queue run (apt-get install redis-server)');
const port = await new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: ['ignore', 'pipe', 'ignore'] });
await new Promise((r) => redis.stdout.on('data', (d) => String(d).includes('Ready to accept') && r()));
const url = `redis://127.0.0.1:${port}`;
const workers = [0, 1].map(() => spawn(process.execPath, [bin, 'worker', '--queue', url, '--jobs', '1', '--json', '-q'], { stdio: ['ignore', 'pipe', 'inherit'] }));
await Promise.all(workers.map((w) => new Promise((r) => w.stdout.on('data', (d) => String(d).includes('"ready"') && r()))));
// First through freshly started workers, then the same sets again (into another folder) through the
// same workers: a worker process compiles its runtimes' hot code (V8's optimising tiers, for
// TensorFlow.js, LiteRT.js and onnxruntime's bindings) over its first hundreds of sets, which
// a long-running worker has long done. The goal is judged on the second.
results.queue2WorkersFresh = await timed('compile-batch --queue, 2 fresh workers', () => run(['compile-batch', sets, '-o', join(work, 'queued-fresh'), '-f', FORMATS, '--queue', url, '-q']), setCount);
results.queue2Workers = await timed('compile-batch --queue, 2 warm workers', () => run(['compile-batch', sets, '-o', join(work, 'queued'), '-f', FORMATS, '--queue', url, '-q']), setCount);
for (const w of workers) w.kill('SIGTERM');
await Promise.all(workers.map((w) => new Promise((r) => w.on('exit', r))));
redis.kill('SIGTERM');

const best = Math.max(results.batchJobs1.setsPerMinute, results.batchJobs2.setsPerMinute, results.batchJobs4.setsPerMinute);
const summary = {
  benchmark: 'batch compilation: support sets per minute (ONNX + TFLite, each verified; whole commands, start-up included)',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverageBefore: loadBefore.map(round), loadAverageAfter: os.loadavg().map(round) },
  sets: setCount,
  results,
  speedupOverShellLoop: round(best / results.shellLoop.setsPerMinute),
  queueOverheadVsLocalJobs2: round(results.batchJobs2.setsPerMinute / results.queue2Workers.setsPerMinute - 1),
  queueOverheadFreshWorkersVsLocalJobs2: round(results.batchJobs2.setsPerMinute / results.queue2WorkersFresh.setsPerMinute - 1),
  goals: { speedupOverShellLoop: '≥ 5', queueOverheadVsLocalJobs2: '≤ 0.10' },
};
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(summary, null, 2) + '\n');
await rm(work, { recursive: true, force: true });
process.stderr.write(`speed-up over the shell loop ${summary.speedupOverShellLoop}×, queue overhead ${(summary.queueOverheadVsLocalJobs2 * 100).toFixed(0)} % (fresh workers ${(summary.queueOverheadFreshWorkersVsLocalJobs2 * 100).toFixed(0)} %) → ${out}\n`);
