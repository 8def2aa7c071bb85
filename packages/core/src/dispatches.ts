/**
 * Counting kernel dispatches: every kernel the TF.js engine runs (forward ops, gradient ops, ops
 * inside custom gradients) passes through `engine.runKernel`, so a wrapper there sees each launch a
 * GPU backend would make (what a backend does inside one kernel is not counted). The wrapper is
 * installed on first use and costs one branch per kernel while nothing counts.
 *
 *   const count = startDispatchCount();
 *   await trainer.trainStep(episodes);
 *   count.stop(); // { total, byKernel }
 *
 * Only the calling thread's engine is seen: kernels run by training worker threads are not counted.
 */
import { tf } from './tf.js';

export interface DispatchCount {
  /** Kernel executions seen while counting. */
  total: number;
  /** The same, by kernel name (e.g. Conv2D, BatchMatMul). */
  byKernel: Record<string, number>;
}

export interface DispatchCounter {
  /** The counts so far (the counter keeps running). */
  read(): DispatchCount;
  /** Stops counting and returns the counts. */
  stop(): DispatchCount;
}

interface Active {
  total: number;
  byKernel: Map<string, number>;
}

const active = new Set<Active>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as { runKernel(name: string, inputs: unknown, attrs: unknown): unknown };
  const original = engine.runKernel.bind(engine);
  engine.runKernel = (name, inputs, attrs) => {
    for (const a of active) {
      a.total += 1;
      a.byKernel.set(name, (a.byKernel.get(name) ?? 0) + 1);
    }
    return original(name, inputs, attrs);
  };
}

function snapshot(a: Active): DispatchCount {
  return { total: a.total, byKernel: Object.fromEntries([...a.byKernel].sort(([x], [y]) => (x < y ? -1 : 1))) };
}

/** Starts counting kernel dispatches on this thread (counters may overlap). */
export function startDispatchCount(): DispatchCounter {
  install();
  const a: Active = { total: 0, byKernel: new Map() };
  active.add(a);
  return {
    read: () => snapshot(a),
    stop: () => {
      active.delete(a);
      return snapshot(a);
    },
  };
}

/** Runs `fn` and counts the kernels it dispatches. */
export function countDispatches<T>(fn: () => T): { result: T } & DispatchCount {
  const counter = startDispatchCount();
  try {
    const result = fn();
    return { result, ...counter.stop() };
  } finally {
    counter.stop();
  }
}
