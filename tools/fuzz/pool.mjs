/**
 * A pool of fuzz runners (runner.mjs): feeds cases to N long-lived children, one case at a time
 * each, and turns what happens into a raw outcome. It enforces the bounds the harness promises:
 *
 * - time: a case that has not answered within `timeoutMs` is a hang; its runner is killed and
 *   replaced (a hung event loop cannot be interrupted from inside).
 * - memory: runners start with a V8 heap limit; the parent samples each runner's resident set
 *   (Linux /proc) and kills one past `killRssBytes`; each case reports the runner's peak RSS
 *   (`maxRSS`), and a runner whose resident set has grown past `restartRssBytes`, or whose peak
 *   passed `memoryLimitBytes`, is replaced after the case, so every case's peak is measured
 *   from a fresh-enough baseline.
 * - crashes: a runner that exits or dies by a signal during a case is that case's crash.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./runner.mjs', import.meta.url));
const MIB = 1024 * 1024;

export const POOL_DEFAULTS = Object.freeze({
  jobs: 2,
  timeoutMs: 30_000,
  heapMb: 1024,
  memoryLimitBytes: 1024 * MIB,
  killRssBytes: 2048 * MIB,
  restartRssBytes: 700 * MIB,
  sampleMs: 100,
  /** The runner module (tests substitute their own). */
  runner: RUNNER,
});

/** Resident set size of a process in bytes, or undefined where /proc is not there. */
export function residentBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

class Runner {
  constructor(options) {
    this.options = options;
    this.child = fork(options.runner ?? RUNNER, [], {
      execArgv: [`--max-old-space-size=${options.heapMb}`],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.stderrTail = '';
    this.child.stderr.setEncoding('utf8').on('data', (s) => (this.stderrTail = (this.stderrTail + s).slice(-4000)));
    this.pending = null;
    this.peakSampled = 0;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m?.type === 'ready') {
          this.child.off('exit', onEarlyExit);
          resolve();
        }
      };
      const onEarlyExit = (code, signal) => reject(new Error(`fuzz runner failed to start (exit ${code ?? signal}): ${this.stderrTail}`));
      this.child.on('message', onMessage);
      this.child.once('exit', onEarlyExit);
    });
    this.child.on('message', (m) => {
      if (m?.type === 'result' && this.pending?.id === m.id) this.#settle({ kind: 'result', ...m });
      else if (m?.type === 'stray') this.strays = (this.strays ?? 0) + 1;
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      if (this.pending) this.#settle({ kind: 'died', exitCode: code, signal, stderrTail: this.stderrTail });
    });
  }

  /** Runs one case; resolves to a raw outcome (never rejects). */
  run(spec) {
    return new Promise((resolve) => {
      const id = spec.id;
      this.peakSampled = 0;
      this.pending = { id, resolve, t0: performance.now() };
      this.pending.timer = setTimeout(() => this.#kill('hang'), this.options.timeoutMs);
      this.pending.sampler = setInterval(() => {
        const rss = residentBytes(this.child.pid);
        if (rss === undefined) return;
        this.peakSampled = Math.max(this.peakSampled, rss);
        if (rss > this.options.killRssBytes) this.#kill('memory');
      }, this.options.sampleMs);
      this.child.send({ type: 'case', id, argv: spec.argv, cwd: spec.cwd });
    });
  }

  #kill(kind) {
    if (!this.pending) return;
    const ms = performance.now() - this.pending.t0;
    this.#settle({ kind, ms, peakSampledBytes: this.peakSampled });
    this.child.kill('SIGKILL');
  }

  #settle(outcome) {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    clearInterval(p.sampler);
    this.pending = null;
    p.resolve({ ms: performance.now() - p.t0, peakSampledBytes: this.peakSampled, ...outcome });
  }

  /** Whether this runner should be replaced before its next case. */
  worn(outcome) {
    if (this.exited || outcome.kind !== 'result') return true;
    return outcome.rssBytes > this.options.restartRssBytes || outcome.maxRssBytes > this.options.memoryLimitBytes;
  }

  close() {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/**
 * Runs cases 0..count-1 on `jobs` runners. `makeSpec(i)` (async) gives a case's `{ id, argv, cwd }`
 * just before it runs; `onOutcome(spec, outcome)` is awaited for each (in completion order)
 * before that runner takes its next case.
 */
export async function runPool({ count, makeSpec, onOutcome, ...options }) {
  const opts = { ...POOL_DEFAULTS, ...options };
  let next = 0;
  let restarts = 0;
  const lane = async () => {
    let runner = null;
    try {
      while (next < count) {
        const spec = await makeSpec(next++);
        if (!runner) {
          runner = new Runner(opts);
          await runner.ready;
        }
        const before = runner.lastMaxRss ?? 0;
        const outcome = await runner.run(spec);
        outcome.baselineMaxRssBytes = before;
        if (outcome.kind === 'result') runner.lastMaxRss = outcome.maxRssBytes;
        if (runner.worn(outcome)) {
          runner.close();
          runner = null;
          restarts++;
        }
        await onOutcome(spec, outcome);
      }
    } finally {
      runner?.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, lane));
  return { restarts };
}
