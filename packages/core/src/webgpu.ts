/**
 * The `webgpu` backend: TensorFlow.js's WebGPU kernels on Dawn, Chromium's WebGPU implementation,
 * through its Node bindings (the npm package `webgpu`, a prebuilt `dawn.node`). On Linux Dawn
 * drives the GPU through Vulkan: it needs the Vulkan loader (`libvulkan.so.1`) and the driver's
 * Vulkan ICD (NVIDIA's ships with the driver).
 *
 * Both packages are optional peers, loaded on first use by non-literal specifiers (tsc must not
 * resolve them, and users who train on the CPU never install them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HypertxError } from './errors.js';
import { tf } from './tf.js';

/** What Dawn reports about the adapter the backend runs on. */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (SwiftShader, llvmpipe): correct but slower than wasm; `auto` never picks one. */
  software: boolean;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info?: AdapterInfoLike } | null>;
}

const PACKAGES = 'webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0';
const require = createRequire(import.meta.url);

/** Software Vulkan drivers Dawn may find; they run, but never as a "GPU" for `auto`. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe/i;

export function describeAdapter(info: AdapterInfoLike): GpuAdapterDescription {
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: info.isFallbackAdapter === true || SOFTWARE.test(text),
  };
}

/** One line for logs: `NVIDIA H200 (nvidia hopper)`, `SwiftShader driver 5.0.0 (google swiftshader, software)`. */
export function adapterLabel(a: GpuAdapterDescription): string {
  const name = a.description || a.device || a.vendor || 'unknown adapter';
  const detail = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const notes = [detail, a.software ? 'software' : ''].filter(Boolean).join(', ');
  return notes ? `${name} (${notes})` : name;
}

async function importOptional(pkg: string): Promise<Record<string, unknown>> {
  const specifier: string = pkg; // non-literal: tsc must not try to resolve the optional peer
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new Error(`${pkg} is not installed (npm install ${PACKAGES})`);
    throw new Error(`${pkg} failed to load: ${(err as Error).message}`);
  }
}

const VULKAN_LOADER = 'libvulkan.so.1';

/**
 * Linux: whether the dynamic linker can find the Vulkan loader (LD_LIBRARY_PATH, the ld.so cache,
 * or beside dawn.node, where Dawn also looks). Checked before Dawn starts, because Dawn prints a
 * warning of its own on stderr when it cannot load it.
 */
function vulkanLoaderFound(dawnFolder: string): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean), dawnFolder];
  if (dirs.some((d) => existsSync(join(d, VULKAN_LOADER)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(VULKAN_LOADER);
  } catch {
    return ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'].some((d) => existsSync(join(d, VULKAN_LOADER)));
  }
}

let loaded: GpuAdapterDescription | null = null;

/**
 * Sets up Dawn and registers TF.js's `webgpu` backend on its adapter (once per process). With
 * `hardwareOnly`, a software adapter is refused. Throws an Error saying why it cannot.
 */
export async function loadWebGpu(hardwareOnly: boolean): Promise<GpuAdapterDescription> {
  if (loaded) {
    if (hardwareOnly && loaded.software) throw new Error(`the only WebGPU adapter is software: ${adapterLabel(loaded)}`);
    return loaded;
  }
  const dawn = await importOptional('webgpu');
  const dawnFolder = join(dirname(require.resolve('webgpu' as string)), 'dist', `${process.platform}-${process.arch}`);
  if (!vulkanLoaderFound(dawnFolder)) {
    throw new Error(`no Vulkan loader (${VULKAN_LOADER}) on this machine, which Dawn needs to reach a GPU: install it (Debian: apt-get install libvulkan1) with the GPU's Vulkan driver`);
  }
  const create = dawn['create'] as (options: string[]) => GpuLike;
  const globals = dawn['globals'] as Record<string, unknown>;
  // Vulkan's loader may want a runtime folder; Dawn only needs the variable to be set.
  process.env['XDG_RUNTIME_DIR'] ??= '/tmp';
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      "Dawn found no WebGPU adapter: the Vulkan loader found no usable driver (NVIDIA's Vulkan driver comes with the GPU driver; " +
        'in a container NVIDIA_DRIVER_CAPABILITIES must include graphics; check with vulkaninfo --summary)',
    );
  }
  const description = describeAdapter(adapter.info ?? {});
  if (hardwareOnly && description.software) throw new Error(`the only WebGPU adapter is software: ${adapterLabel(description)}`);
  // tfjs-backend-webgpu reads the WebGPU globals and navigator.gpu when its backend initialises.
  Object.assign(globalThis, globals);
  const existing = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', { value: { ...(existing ?? {}), gpu }, configurable: true, writable: true });
  try {
    require('@tensorflow/tfjs-backend-webgpu' as string);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'MODULE_NOT_FOUND' ? `@tensorflow/tfjs-backend-webgpu is not installed (npm install ${PACKAGES})` : `@tensorflow/tfjs-backend-webgpu failed to load: ${(err as Error).message}`);
  }
  guardSyncReads();
  loaded = description;
  return description;
}

/**
 * WebGPU has no synchronous read-back, and TF.js's attempt at one needs a browser canvas. Code that
 * runs on this backend reads with `readAhead` (read.ts) first; anything that does not fails here
 * with a clear error instead of `OffscreenCanvas is not defined`.
 */
function guardSyncReads(): void {
  const factory = tf.findBackendFactory('webgpu');
  if (!factory) return;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const backend = (await factory()) as tf.KernelBackend & { readSync(id: object): unknown; tensorMap: { get(id: object): { values?: unknown; dtype?: string } | undefined } };
    const stock = backend.readSync.bind(backend);
    backend.readSync = (dataId: object) => {
      const data = backend.tensorMap.get(dataId);
      if (data?.values != null || data?.dtype === 'string' || data?.dtype === 'complex64') return stock(dataId);
      throw new HypertxError('E_BACKEND_SYNC_READ', 'this operation reads a tensor synchronously, which the webgpu backend cannot do in Node', {
        kind: 'usage',
        hint: 'training and evaluation run on webgpu; compile/predict read generated weights synchronously: use --backend wasm for them',
      });
    };
    return backend;
  }, 3);
}
