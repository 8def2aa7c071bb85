/**
 * Loads LiteRT.js (@litertjs/core, the TFLite/LiteRT interpreter compiled to wasm) in Node,
 * lazily and once per process.
 *
 * LiteRT.js is written for browsers and web workers. Two shims make it load in Node:
 * `globalThis.self` (it reads `self.ModuleFactory`) and `importScripts`, which here evaluates the
 * wasm glue script with a CommonJS wrapper (the glue is UMD, but the package is "type": "module",
 * so `require()` would load it as ESM and lose its `module.exports`).
 *
 * LiteRT logs through `console` (INFO lines, "Failed to create default WebGPU device", NPU
 * warnings), and reports kernel prepare failures only as `ERROR:` log lines. Every call into it
 * goes through `withCapturedConsole`, which keeps those lines away from the user's terminal and
 * hands them to the caller, which treats `ERROR` lines as failures.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { runtimeFailure } from './errors.js';

type LiteRtModule = typeof import('@litertjs/core');

export interface LoadedLiteRt {
  api: LiteRtModule;
  /** e.g. "LiteRT.js 2.5.3 (@litertjs/core, wasm)". */
  runtime: string;
}

let loading: Promise<LoadedLiteRt> | undefined;

/** The process-wide LiteRT.js instance (loaded on first use). */
export function loadLiteRtOnce(): Promise<LoadedLiteRt> {
  loading ??= loadLiteRt().catch((err: unknown) => {
    loading = undefined; // a later call may retry
    throw err;
  });
  return loading;
}

async function loadLiteRt(): Promise<LoadedLiteRt> {
  const require = createRequire(import.meta.url);
  let packageJsonPath: string;
  try {
    packageJsonPath = require.resolve('@litertjs/core/package.json');
  } catch {
    // The package has no "exports" map entry for package.json in some versions: go via its main.
    packageJsonPath = path.join(path.dirname(require.resolve('@litertjs/core')), '..', 'package.json');
  }
  const packageDir = path.dirname(packageJsonPath);
  const version = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
  const wasmDir = path.join(packageDir, 'wasm') + path.sep;

  // The shims live only while the glue loads: other libraries in the process (e.g. emscripten
  // builds of TensorFlow.js backends) take a global `importScripts` as "I am in a web worker".
  const g = globalThis as Record<string, unknown>;
  const addedSelf = g['self'] === undefined;
  const addedImportScripts = g['importScripts'] === undefined;
  if (addedSelf) g['self'] = globalThis;
  if (addedImportScripts) g['importScripts'] = evaluateGlueScript;
  let loaded: { result: LiteRtModule; lines: string[] };
  try {
    loaded = await withCapturedConsole(async () => {
      const api = await import('@litertjs/core');
      await api.loadLiteRt(wasmDir);
      return api;
    });
  } finally {
    if (addedImportScripts) delete g['importScripts'];
    if (addedSelf) delete g['self'];
    delete g['ModuleFactory'];
  }
  const { result, lines } = loaded;
  const errors = errorLines(lines);
  if (errors.length > 0) throw runtimeFailure(`LiteRT.js failed to load: ${errors.join(' | ')}`);
  return { api: result, runtime: `LiteRT.js ${version} (@litertjs/core, wasm)` };
}

/** `importScripts(url)` for the emscripten glue: run it as CommonJS, publish its factory on `self`. */
function evaluateGlueScript(...urls: string[]): void {
  for (const url of urls) {
    const file = url.startsWith('file:') ? new URL(url).pathname : url;
    const source = readFileSync(file, 'utf8');
    const wrapper = vm.runInThisContext(
      `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
      { filename: file },
    ) as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void;
    const module = { exports: {} as unknown };
    wrapper(module.exports, createRequire(file), module, file, path.dirname(file));
    (globalThis as Record<string, unknown>)['ModuleFactory'] = module.exports;
  }
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const CONSOLE_METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug'];

/** Sink for console output while LiteRT runs; undefined = pass through. */
let activeSink: string[] | undefined;
let consolePatched = false;

/**
 * Routes console output to a buffer while `fn` runs. The console methods are replaced once and
 * for good (the wasm glue binds them when it loads), and forward to the real console whenever no
 * capture is active. Calls are serialised, so overlapping captures cannot mix their lines.
 */
let queue: Promise<unknown> = Promise.resolve();
export function withCapturedConsole<T>(fn: () => Promise<T> | T): Promise<{ result: T; lines: string[] }> {
  patchConsole();
  const run = async () => {
    const lines: string[] = [];
    activeSink = lines;
    try {
      const result = await fn();
      return { result, lines };
    } catch (err) {
      if (err instanceof Error && lines.length > 0) {
        (err as Error & { liteRtLog?: string[] }).liteRtLog = lines;
      }
      throw err;
    } finally {
      activeSink = undefined;
    }
  };
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

function patchConsole(): void {
  if (consolePatched) return;
  consolePatched = true;
  for (const method of CONSOLE_METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (activeSink) activeSink.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
      else original(...args);
    };
  }
}

/** Lines that report a real failure (LiteRT prefixes them with "ERROR"). */
export function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => /(^|\s|\[)ERROR\b/.test(line));
}
