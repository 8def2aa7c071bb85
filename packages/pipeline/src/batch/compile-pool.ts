/**
 * A pool of compile worker threads, each with its own TensorFlow.js backend and its own copy of the
 * model (loaded once per thread): what a batch on one machine and a queue worker both compile with.
 * A thread that dies fails its set with an internal error and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendChoice } from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import type { CompileOptions } from '../compile/compile.js';
import type { PortableSupportSet } from './support-sets.js';
import type { SetCompilation } from './set-outputs.js';

/** Compile options a pool passes on (everything but the input, the model and callbacks). */
export type PoolCompileOptions = Pick<CompileOptions, 'formats' | 'verify' | 'atol' | 'ink' | 'levels' | 'selfLabel'>;

export interface ThreadInit {
  model: string;
  backend: BackendChoice;
}

export interface CompileJob {
  id: number;
  set: PortableSupportSet;
  options: PoolCompileOptions;
}

/** A set's typed error as plain data (it crosses threads, processes and Redis). */
export interface SetError {
  code: string;
  kind: string;
  message: string;
  hint?: string;
}

export type CompileReply = { id: number; ok: true; result: SetCompilation } | { id: number; ok: false; error: SetError };

/** A thread's first message: whether it loaded its model. */
export type ThreadLoaded = { loaded: true } | { loaded: false; error: SetError };

export interface CompilePoolOptions {
  /** A bundled model name or a model file (default "default"). */
  model?: string;
  /** Threads (default: the machine's cores). */
  threads?: number;
  backend?: BackendChoice;
}

export class CompilePool {
  readonly size: number;
  readonly #init: ThreadInit;
  readonly #idle: Worker[] = [];
  readonly #waiting: { job: CompileJob; resolve: (r: CompileReply) => void }[] = [];
  readonly #running = new Map<Worker, { job: CompileJob; resolve: (r: CompileReply) => void }>();
  #nextId = 0;
  #closed = false;
  /** One per first-generation thread: settles when it has loaded its model (or failed to). */
  readonly #loaded: Promise<void>[] = [];

  constructor(options: CompilePoolOptions = {}) {
    this.size = options.threads ?? availableParallelism();
    if (!Number.isInteger(this.size) || this.size < 1) throw new HypertxError('E_USAGE', `threads must be a whole number ≥ 1, got ${this.size}`, { kind: 'usage' });
    this.#init = { model: options.model ?? 'default', backend: options.backend ?? 'auto' };
    for (let i = 0; i < this.size; i++) {
      const thread = this.#spawn();
      this.#loaded.push(thread.loaded);
      this.#idle.push(thread.worker);
    }
  }

  /**
   * Resolves once every thread has loaded its model; rejects with the first thread's load error (a
   * model file that cannot be read, say). Compiling does not need it, as a set waits for its thread
   * anyway: it is for a caller that must not take work it cannot do, such as a queue worker.
   */
  async ready(): Promise<void> {
    await Promise.all(this.#loaded);
  }

  /** Compiles one set on the next free thread; resolves to its files or its error (never rejects for a bad set). */
  compile(set: PortableSupportSet, options: PoolCompileOptions): Promise<CompileReply> {
    if (this.#closed) return Promise.reject(new HypertxError('E_POOL_CLOSED', 'the compile pool is closed', { kind: 'internal' }));
    return new Promise((resolve) => {
      this.#waiting.push({ job: { id: this.#nextId++, set, options }, resolve });
      this.#dispatch();
    });
  }

  /** Stops every thread; sets still waiting or running resolve with an `E_ABORTED` error. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const aborted = (job: CompileJob): CompileReply => ({ id: job.id, ok: false, error: { code: 'E_ABORTED', kind: 'interrupted', message: 'the compile pool was closed' } });
    for (const task of [...this.#waiting.splice(0), ...this.#running.values()]) task.resolve(aborted(task.job));
    const all = [...this.#idle, ...this.#running.keys()];
    this.#idle.length = 0;
    this.#running.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  #spawn(): { worker: Worker; loaded: Promise<void> } {
    const worker = new Worker(new URL('./compile-thread.js', import.meta.url), { workerData: this.#init });
    let settle!: { resolve: () => void; reject: (err: Error) => void };
    const loaded = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    loaded.catch(() => undefined); // only ready() reports it; a replacement thread's is never awaited
    worker.on('message', (message: CompileReply | ThreadLoaded) => {
      if ('loaded' in message) {
        if (message.loaded) settle.resolve();
        else settle.reject(new HypertxError(message.error.code, message.error.message, { kind: message.error.kind as HypertxError['kind'], ...(message.error.hint !== undefined ? { hint: message.error.hint } : {}) }));
        return;
      }
      const reply = message;
      const task = this.#running.get(worker);
      this.#running.delete(worker);
      this.#idle.push(worker);
      task?.resolve(reply);
      this.#dispatch();
    });
    worker.on('error', (err) => {
      settle.reject(err);
      this.#replace(worker, err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`compile thread exited with code ${code}`);
      settle.reject(err);
      if (!this.#closed) this.#replace(worker, err);
    });
    return { worker, loaded };
  }

  /** A thread died: its set fails with an internal error, and a new thread takes its place. */
  #replace(worker: Worker, err: Error): void {
    if (this.#closed) return;
    const task = this.#running.get(worker);
    this.#running.delete(worker);
    const i = this.#idle.indexOf(worker);
    if (i >= 0) this.#idle.splice(i, 1);
    if (!task && i < 0) return; // already replaced ('error' is followed by 'exit')
    task?.resolve({ id: task.job.id, ok: false, error: { code: 'E_INTERNAL', kind: 'internal', message: `a compile thread failed: ${err.message}` } });
    this.#idle.push(this.#spawn().worker);
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#waiting.length > 0) {
      const worker = this.#idle.pop()!;
      const task = this.#waiting.shift()!;
      this.#running.set(worker, task);
      worker.postMessage(task.job);
    }
  }
}
