/**
 * Helpers for the end-to-end tests: run the BUILT `hypertx` binary as a subprocess, make small
 * HyperTransformers to compile with, and check outputs. Not published (dist/test-support is excluded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveModel } from '@hypertx/pipeline';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test-support → the repository root. */
export const repoRoot = resolve(here, '../../../..');
/** The compiled CLI entry (packages/cli/dist/bin.js). */
export const binPath = resolve(here, '../bin.js');
export const supportFixture = (name: string): string => resolve(repoRoot, 'fixtures/support', name);
export const queryFixture = (name: string): string => resolve(repoRoot, 'fixtures/query', name);
/** The bundled default model (shipped by @hypertx/pipeline). */
export const bundledDefaultModel = resolveModel('default');

export interface CliResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called once the child is spawned (e.g. to signal it later). */
  onSpawn?: (child: ChildProcess, output: { stderr: () => string }) => void;
  /** Kill the child (SIGKILL) after this long, so a test of a would-be hang fails instead of hanging. */
  killAfterMs?: number;
}

/** Runs `node bin.js ...args` and collects its exit code and output (colours off). */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, HYPERTX_DEBUG: undefined, ...options.env };
    const child = spawn(process.execPath, [binPath, ...args], { cwd: options.cwd ?? repoRoot, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const killer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child, { stderr: () => stderr });
  });
}

/**
 * Environment for `runCli` that loads @hypertx/pipeline's fault injection into the child (pauses,
 * failures and SIGKILL while it writes its files; the variables are in publish-faults.ts).
 */
export function withFaults(faults: Record<string, string>): Record<string, string> {
  const preload = pathToFileURL(resolve(repoRoot, 'packages/pipeline/dist/test-support/publish-faults.js')).href;
  return { ...faults, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${preload}`.trim() };
}

/** A fresh temporary folder; remove it with `removeDir`. */
export function makeTempDir(prefix = 'hypertx-cli-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Every file name under `dir`, hidden ones included, sorted (relative paths). */
export async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

export interface SmallModelOptions {
  seed?: number;
  /** Largest support set the model accepts (the 20-way fixture must exceed it to test E_SUPPORT_WAYS). */
  maxWays?: number;
}

/**
 * Writes an untrained, small HyperTransformer (omniglot-1shot layout, 4 channels, one transformer
 * layer) to `dir/<name>.hxmodel`. Its accuracy is near chance: tests check plumbing, not learning.
 */
export async function createSmallModel(dir: string, name: string, options: SmallModelOptions = {}): Promise<string> {
  const core = await import('@hypertx/core');
  await core.initBackend('wasm');
  const config = core.preset('omniglot-1shot').config;
  config.cnn.channels = 4;
  config.transformer.layers = 1;
  config.maxWays = options.maxWays ?? 10;
  const file = join(dir, `${name}.hxmodel`);
  await core.saveModel(file, core.createHyperTransformer(config, options.seed ?? 1));
  return file;
}

/** A Node stack frame line ("    at fn (file.js:1:2)"): the CLI must never print one unless HYPERTX_DEBUG is set. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m;

/** Parses the single JSON object a `--json` command prints on stdout. */
export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON object (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A readable description of a run, for assertion messages. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}
