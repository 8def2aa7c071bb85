#!/usr/bin/env node
/**
 * Benchmark: `hypertx serve` under load. Starts the server as its own process (default limits: one
 * compile at a time, 8 more admitted, then 503 + Retry-After), warms it up, then sends `--requests`
 * compile requests at concurrency 1, 4 and 16 over loopback HTTP: support sets of 2–6 classes from the
 * 20-way glyph fixture, ONNX + TFLite, each file verified. Per level: throughput (compiled sets/s),
 * p50/p95/p99 latency of the requests that compiled, 503s (deliberate: counted, not retried) and
 * any other error (there must be none). Then the server's RSS after the run against before it
 * (after a warm-up at each level; within 10 % means no leak), and SIGTERM with requests in flight: each must
 * complete with 200 and the process exit 0. The load average before and after is recorded: run it
 * on an idle machine.
 *
 * Writes bench/out/serve.json; with --record, bench/results/serve.json (the committed record).
 *
 * Usage: node tools/bench-serve.mjs [--requests 200] [--concurrency 1,4,16] [--warmup 400] [--record] [--out <file>]
 * (--warmup: requests at each concurrency level before the RSS is taken)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { OUTPUT_OPTIONS, REPO_ROOT, outputPath, writeOutput } from './bench-output.mjs';
import { parseToolArgs } from './tool-args.mjs';

const { values: args } = parseToolArgs(import.meta.url, {
  options: {
    ...OUTPUT_OPTIONS,
    requests: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,4,16' },
    warmup: { type: 'string', default: '400' },
  },
});
const requests = Number.parseInt(args.requests, 10);
const levels = args.concurrency.split(',').map((c) => Number.parseInt(c, 10));
const warmup = Number.parseInt(args.warmup, 10);
const out = outputPath('serve.json', args);
const bin = join(REPO_ROOT, 'packages/cli/bin/hypertx.js');
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Multipart bodies of support sets: runs of 2–6 consecutive classes of the 20-way fixture. */
async function supportSets(count) {
  const dir = join(REPO_ROOT, 'fixtures/support/glyphs-20way-1shot');
  const classes = (await readdir(dir)).sort();
  const sets = [];
  for (let i = 0; i < count; i++) {
    const form = new FormData();
    for (let w = 0; w < 2 + (i % 5); w++) {
      const label = classes[(i + w) % classes.length];
      form.append(`class:${label}`, new Blob([await readFile(join(dir, label, '00.png'))], { type: 'image/png' }), '00.png');
    }
    form.append('formats', 'onnx,tflite');
    sets.push(form);
  }
  return sets;
}

function startServer() {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 20);
    exit.then((e) => {
      clearInterval(timer);
      reject(new Error(`hypertx serve exited (${e.code ?? e.signal}):\n${stderr}`));
    });
  });
  return { child, url, exit, stderr: () => stderr };
}

/** Resident set size of a process in bytes (Linux). */
function rss(pid) {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

async function compileOnce(url, form) {
  const t0 = performance.now();
  const response = await fetch(`${url}/v1/compile`, { method: 'POST', body: form });
  const text = await response.text();
  const ms = performance.now() - t0;
  if (response.status === 200 && !JSON.parse(text).verified) return { status: 'unverified', ms, text };
  return { status: response.status, ms, text, retryAfter: response.headers.get('retry-after') };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function level(url, sets, concurrency) {
  let next = 0;
  const results = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        results.push(await compileOnce(url, sets[i % sets.length]));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 503);
  const errors = results.filter((r) => r.status !== 200 && r.status !== 503);
  const latencies = ok.map((r) => r.ms).sort((a, b) => a - b);
  const summary = {
    concurrency,
    requests: results.length,
    compiled: ok.length,
    refused503: refused.length,
    errors: errors.length,
    ...(errors.length ? { errorSamples: errors.slice(0, 3).map((e) => `${e.status}: ${e.text.slice(0, 200)}`) } : {}),
    seconds: round(seconds, 2),
    throughputPerSecond: round(ok.length / seconds, 2),
    latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
    ...(refused.length ? { retryAfterSeconds: [...new Set(refused.map((r) => r.retryAfter))].sort() } : {}),
  };
  process.stderr.write(
    `concurrency ${String(concurrency).padStart(2)}: ${summary.compiled} compiled, ${summary.refused503} × 503, ${summary.errors} errors in ${summary.seconds} s → ` +
      `${summary.throughputPerSecond}/s, p50 ${summary.latencyMs.p50} ms, p95 ${summary.latencyMs.p95} ms, p99 ${summary.latencyMs.p99} ms\n`,
  );
  return summary;
}

const loadBefore = os.loadavg();
const sets = await supportSets(20);
const server = startServer();
const url = await server.url;
const pid = server.child.pid;
process.stderr.write(`server ${url} (pid ${pid})\n`);

// Warm-up at every concurrency level: every set size, uploads waiting their turn and refused, the
// runtimes' heaps and V8's heap grown to what the run needs, hot wasm re-compiled by TurboFan.
// Measured on this machine, the server's RSS settles after about 1200 requests (peaking on the way),
// so before and after compare like with like only after a warm-up that long; growth beyond that
// would be a leak.
for (const c of levels) {
  let sent = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (sent < warmup) {
        const r = await compileOnce(url, sets[sent++ % sets.length]);
        if (r.status !== 200 && r.status !== 503) throw new Error(`warm-up request failed: ${r.status} ${r.text.slice(0, 300)}`);
      }
    }),
  );
}
await new Promise((r) => setTimeout(r, 1000));
const rssBefore = rss(pid);

const results = [];
for (const c of levels) results.push(await level(url, sets, c));

await new Promise((r) => setTimeout(r, 2000));
const rssAfter = rss(pid);
const rssChange = rssAfter / rssBefore - 1;
process.stderr.write(`server RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB → ${(rssAfter / 2 ** 20).toFixed(1)} MiB (${(rssChange * 100).toFixed(1)} %)\n`);

// SIGTERM with requests in flight: they complete, then the process exits 0.
const inFlight = 4;
const pending = Array.from({ length: inFlight }, (_, i) => compileOnce(url, sets[i]));
for (;;) {
  const health = await (await fetch(`${url}/healthz`)).json();
  if (health.compiles.admitted >= inFlight) break;
  await new Promise((r) => setTimeout(r, 10));
}
const signalled = performance.now();
server.child.kill('SIGTERM');
const drained = await Promise.all(pending);
const exit = await server.exit;
const drainMs = performance.now() - signalled;
const drain = {
  inFlight,
  completed200: drained.filter((r) => r.status === 200).length,
  statuses: drained.map((r) => r.status),
  exitCode: exit.code,
  signal: exit.signal,
  msFromSigtermToExit: round(drainMs),
};
process.stderr.write(`SIGTERM with ${inFlight} in flight: ${drain.completed200} completed with 200, exit ${exit.code ?? exit.signal} after ${drain.msFromSigtermToExit} ms\n`);

const errors = results.reduce((n, r) => n + r.errors, 0);
const summary = {
  benchmark: 'hypertx serve: compile requests over loopback HTTP (ONNX + TFLite, each verified; 2–6 classes); server defaults: 1 compile at a time, 8 more admitted, then 503',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverageBefore: loadBefore.map((x) => round(x, 2)), loadAverageAfter: os.loadavg().map((x) => round(x, 2)) },
  requestsPerLevel: requests,
  warmupRequestsPerLevel: warmup,
  levels: results,
  memory: { rssBeforeBytes: rssBefore, rssAfterBytes: rssAfter, change: round(rssChange, 3), withinTenPercent: Math.abs(rssChange) <= 0.1 },
  sigterm: drain,
  goals: { errorsOtherThan503: 0, rssChange: '≤ 10 %', sigterm: 'every in-flight request 200, exit 0' },
  passed: errors === 0 && Math.abs(rssChange) <= 0.1 && drain.completed200 === inFlight && exit.code === 0,
};
await writeOutput(out, JSON.stringify(summary, null, 2) + '\n');
if (!summary.passed) {
  process.stderr.write('bench-serve: a goal was missed (see the JSON)\n');
  process.exitCode = 1;
}
