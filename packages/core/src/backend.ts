/**
 * Backend selection with fallback and one aggregated error (like onnxruntime's JS API).
 *
 * `auto` tries, in this order: for training only, `webgpu` on a hardware GPU adapter (Dawn,
 * webgpu.ts; never a software one); the native TensorFlow backend from `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (optional peers, loaded by non-literal dynamic import), then `wasm`
 * (SIMD, single-threaded in Node), then `cpu` (pure JS, slow). An explicit `webgpu` takes any
 * adapter, SwiftShader included (the tests run on it).
 */
import { HypertxError } from './errors.js';
import { tf } from './tf.js';
import { type GpuAdapterDescription, adapterLabel, loadWebGpu } from './webgpu.js';

export type BackendChoice = 'auto' | 'webgpu' | 'gpu' | 'node' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendInfo {
  /** Our name for it. */
  name: BackendName;
  /** TF.js backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Every backend tried before this one worked, and why it failed. */
  skipped: { name: BackendName; reason: string }[];
  /** The GPU adapter, for `webgpu`. */
  adapter?: GpuAdapterDescription;
}

interface BackendEntry {
  name: BackendName;
  /** Makes the TF.js backend available; returns its TF.js name, or throws why it can't. `auto`: chosen by auto. */
  load: (auto: boolean) => Promise<string>;
}

let adapter: GpuAdapterDescription | undefined;

async function loadNative(pkg: string): Promise<string> {
  const specifier: string = pkg; // non-literal: tsc must not try to resolve the optional peer
  try {
    await import(specifier);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new Error(`${pkg} is not installed`);
    throw new Error(`${pkg} failed to load: ${(err as Error).message}`);
  }
  return 'tensorflow';
}

/** In the order `auto` tries them: fastest first. */
const BACKENDS: readonly BackendEntry[] = [
  {
    name: 'webgpu',
    load: async (auto) => {
      adapter = await loadWebGpu(auto);
      return 'webgpu';
    },
  },
  { name: 'gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu') },
  { name: 'node', load: () => loadNative('@tensorflow/tfjs-node') },
  { name: 'wasm', load: async () => 'wasm' },
  { name: 'cpu', load: async () => 'cpu' },
];

async function activate(entry: BackendEntry, auto: boolean): Promise<string> {
  const tfName = await entry.load(auto);
  if (!tf.findBackendFactory(tfName) && !tf.findBackend(tfName)) throw new Error(`TF.js backend "${tfName}" is not registered`);
  // setBackend returns false (it does not throw) when initialisation fails.
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`TF.js backend "${tfName}" failed to initialise`);
  await tf.ready();
  return tfName;
}

let current: BackendInfo | null = null;

export interface InitBackendOptions {
  /**
   * The work is training: `auto` tries webgpu first. Otherwise `auto` leaves it out: generation
   * and prediction read their results synchronously, which WebGPU cannot, and one episode's
   * forward pass gains nothing from a GPU.
   */
  training?: boolean;
}

/**
 * Selects and initialises a backend. With `auto`, the first in `BACKENDS` order that works; with
 * an explicit name, that one only. Throws one HypertxError (code E_BACKEND_UNAVAILABLE) listing
 * every backend tried and why each failed.
 */
export async function initBackend(choice: BackendChoice = 'auto', options: InitBackendOptions = {}): Promise<BackendInfo> {
  const known = BACKENDS.map((e) => e.name);
  if (choice !== 'auto' && !known.includes(choice)) {
    throw new HypertxError('E_BACKEND_UNKNOWN', `unknown backend "${String(choice)}"`, { kind: 'usage', hint: `use auto, ${known.join(', ')}` });
  }
  tf.enableProdMode(); // also silences the "install tfjs-node" banner of the cpu backend
  const candidates = choice === 'auto' ? BACKENDS.filter((e) => e.name !== 'webgpu' || options.training) : BACKENDS.filter((e) => e.name === choice);
  const skipped: BackendInfo['skipped'] = [];
  for (const entry of candidates) {
    try {
      const tfBackend = await activate(entry, choice === 'auto');
      current = { name: entry.name, tfBackend, skipped, ...(tfBackend === 'webgpu' && adapter ? { adapter } : {}) };
      return current;
    } catch (err) {
      skipped.push({ name: entry.name, reason: (err as Error).message });
    }
  }
  const list = skipped.map((s) => `[${s.name}] ${s.reason}`).join('; ');
  throw new HypertxError('E_BACKEND_UNAVAILABLE', `no TensorFlow.js backend could be initialised (${choice}): ${list}`, {
    kind: 'usage',
    hint: hintFor(choice),
  });
}

function hintFor(choice: BackendChoice): string {
  if (choice === 'webgpu') return 'install webgpu@0.6.2 and @tensorflow/tfjs-backend-webgpu@4.22.0 and a Vulkan driver (docs/training.md, "Training on a GPU"), or use --backend wasm';
  if (choice === 'gpu' || choice === 'node') return 'install @tensorflow/tfjs-node(-gpu) 4.22.0, or use --backend wasm';
  return 'use --backend cpu';
}

/** `webgpu on NVIDIA H200 (nvidia hopper)`, `wasm`: the backend and, on a GPU, its adapter (for logs and inspect). */
export function describeBackend(info: BackendInfo | null = current): string {
  if (!info) return 'none';
  return info.adapter ? `${info.name} on ${adapterLabel(info.adapter)}` : info.name;
}

/** The backend chosen by the last successful `initBackend` (null before). */
export function currentBackend(): BackendInfo | null {
  return current;
}
