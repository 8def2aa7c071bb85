/**
 * The bound on compiles. A compile runs on the event loop thread (TF.js on wasm), so a few at once
 * only share one core; the gate lets `maxActive` run and admits at most `maxQueue` more requests
 * (counted from arrival, while they upload and while they wait). A request beyond that is refused
 * at once with 503 and a Retry-After estimated from recent compile times, before its upload is read.
 */
import { HypertxError } from '@hypertx/export';

export interface Ticket {
  /** Resolves when this request may compile; rejects (E_ABORTED) if `signal` aborts first. */
  turn(signal?: AbortSignal): Promise<void>;
  /** Gives the place back (idempotent): call it in `finally`. */
  release(): void;
}

export interface GateStats {
  /** Requests holding a place: uploading, waiting or compiling. */
  admitted: number;
  active: number;
  waiting: number;
  /** Requests turned away with 503 since start. */
  refused: number;
  completed: number;
  /** Moving average of compile time (ms), what Retry-After is estimated from. */
  meanCompileMs: number;
}

export class CompileGate {
  #admitted = 0;
  #active = 0;
  #refused = 0;
  #completed = 0;
  #meanMs = 500;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueue: number,
  ) {}

  /** A place for one request, or undefined when the server is full (answer 503). */
  admit(): Ticket | undefined {
    if (this.#admitted >= this.maxActive + this.maxQueue) {
      this.#refused++;
      return undefined;
    }
    this.#admitted++;
    let released = false;
    let running = false;
    let started = 0;
    let wake: (() => void) | undefined;
    return {
      turn: (signal) =>
        new Promise<void>((resolve, reject) => {
          if (released) return reject(new HypertxError('E_ABORTED', 'the request ended before its compile', { kind: 'interrupted' }));
          const start = (): void => {
            signal?.removeEventListener('abort', onAbort);
            this.#active++;
            running = true;
            started = performance.now();
            resolve();
          };
          const onAbort = (): void => {
            const i = wake ? this.#waiting.indexOf(wake) : -1;
            if (i >= 0) this.#waiting.splice(i, 1);
            reject(new HypertxError('E_ABORTED', 'the client went away while waiting to compile', { kind: 'interrupted' }));
          };
          if (signal?.aborted) return onAbort();
          if (this.#active < this.maxActive && this.#waiting.length === 0) return start();
          wake = start;
          this.#waiting.push(start);
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      release: () => {
        if (released) return;
        released = true;
        this.#admitted--;
        if (wake) {
          const i = this.#waiting.indexOf(wake);
          if (i >= 0) this.#waiting.splice(i, 1);
        }
        if (running) {
          running = false;
          this.#active--;
          this.#completed++;
          this.#meanMs = 0.8 * this.#meanMs + 0.2 * (performance.now() - started);
          this.#waiting.shift()?.();
        }
      },
    };
  }

  /** Seconds a refused client should wait: the admitted requests ahead of it, at the recent pace. */
  retryAfterSeconds(): number {
    const ahead = Math.max(1, this.#admitted - this.maxActive + 1);
    return Math.min(60, Math.max(1, Math.ceil((ahead * this.#meanMs) / this.maxActive / 1000)));
  }

  stats(): GateStats {
    return {
      admitted: this.#admitted,
      active: this.#active,
      waiting: this.#waiting.length,
      refused: this.#refused,
      completed: this.#completed,
      meanCompileMs: Math.round(this.#meanMs),
    };
  }
}
