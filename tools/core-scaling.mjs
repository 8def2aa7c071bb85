/**
 * What two threads can gain on this machine at all: the same fixed work run on one thread, then on
 * two threads at once, for a compute-bound loop (arithmetic on a 16 KB array that stays in L1) and a
 * memory-bound one (streaming through 64 MB per thread). On two real, idle cores both are near ×2;
 * two vCPUs that are hyperthreads of one core, or a noisy host, show less. The training bench
 * records it beside its own speedup, so a missed goal can be told apart from a machine that cannot
 * reach it.
 *
 * Usage (alone): node tools/core-scaling.mjs   → prints JSON
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

// Runs inside each worker: the loop, timed by the worker itself, from a shared start signal.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { kind, rounds } = workerData;
function compute() {
  const a = new Float64Array(2048).map((_, i) => i * 1e-3);
  let s = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < a.length; i++) { a[i] = a[i] * 0.999 + 1e-3; s += a[i]; }
  return s;
}
function memory() {
  const a = new Float64Array(8 * 1024 * 1024).fill(1); // 64 MB: far beyond any cache
  let s = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < a.length; i += 8) s += a[i];
  return s;
}
parentPort.once('message', () => {
  const t0 = performance.now();
  const sum = kind === 'compute' ? compute() : memory();
  parentPort.postMessage({ ms: performance.now() - t0, sum });
});
parentPort.postMessage('ready');
`;

const ROUNDS = { compute: 250_000, memory: 60 };

async function runConcurrently(kind, threads, rounds) {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { kind, rounds } }));
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const t0 = performance.now();
    await Promise.all(workers.map((w) => {
      const done = new Promise((resolve) => w.once('message', resolve));
      w.postMessage('go');
      return done;
    }));
    return performance.now() - t0;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Speedup of two threads over one for each kind of loop (the best of `repeats` runs each). */
export async function measureCoreScaling({ repeats = 3 } = {}) {
  const result = {};
  for (const kind of ['compute', 'memory']) {
    const rounds = ROUNDS[kind];
    await runConcurrently(kind, 1, Math.ceil(rounds / 10)); // let V8 optimise the loop first
    let one = Infinity;
    let two = Infinity;
    for (let r = 0; r < repeats; r++) {
      one = Math.min(one, await runConcurrently(kind, 1, rounds));
      two = Math.min(two, await runConcurrently(kind, 2, rounds));
    }
    // Two threads did twice the work of one: speedup = 2 × one thread's time / two threads' time.
    result[kind] = { oneThreadMs: Math.round(one), twoThreadsMs: Math.round(two), speedup: Math.round((200 * one) / two) / 100 };
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await measureCoreScaling(), null, 2) + '\n');
}
