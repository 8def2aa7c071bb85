/**
 * The one module that wires TensorFlow.js. Everything else in core imports `tf` from here, so the
 * side effects below run once, in this order, before any op.
 *
 * - `@tensorflow/tfjs` (the union) is loaded for its side effects: tfjs-core's Node CJS bundle
 *   registers neither gradients nor chained ops on its own.
 * - `@tensorflow/tfjs-backend-wasm` registers the `wasm` backend (single-threaded SIMD in Node).
 * - `installWasmKernelFixes` replaces eight slow or wrong wasm kernels and adds the max-pool
 *   scatter kernel (wasm-kernels.ts).
 *
 * The two packages are `require`d rather than imported: TypeScript keeps side-effect imports in the
 * declaration files, and their typings (tfjs-layers through the union, Emscripten globals through
 * the wasm backend) do not compile in a consumer's project with `skipLibCheck: false`. Both are the
 * CommonJS builds an import would load too, so the module instances are the same.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernelFixes } from './wasm-kernels.js';

const require = createRequire(import.meta.url);
require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
installWasmKernelFixes();

export { tf };
