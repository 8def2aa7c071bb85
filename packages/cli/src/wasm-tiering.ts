/**
 * WebAssembly tiering for short commands. V8 compiles wasm (TensorFlow.js's wasm backend, LiteRT.js)
 * first with its baseline compiler Liftoff, then re-compiles hot functions with the optimising
 * TurboFan. A one-shot `compile` runs each function
 * a few times, so TurboFan's work never pays back: measured on this project (2 cores), it blocked
 * the main thread ~250 ms right after LiteRT.js loaded and cost ~300 ms of CPU per compile.
 * Long runs (train, eval) keep TurboFan: there the optimised code wins.
 */
import { setFlagsFromString } from 'node:v8';

/** Commands that run briefly and gain from skipping the optimising wasm tier. */
export const SHORT_COMMANDS = ['compile', 'verify', 'inspect'] as const;

/** The command name in `args` (the first argument that is not an option), if any. */
export function commandOf(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

/**
 * For short commands, restricts V8 to the baseline wasm compiler. Must run before any wasm is
 * compiled (bin.js calls it first); returns whether it did.
 */
export function useBaselineWasmFor(args: readonly string[]): boolean {
  const command = commandOf(args);
  if (!command || !(SHORT_COMMANDS as readonly string[]).includes(command)) return false;
  setFlagsFromString('--liftoff-only');
  return true;
}
