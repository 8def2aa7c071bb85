/**
 * The one module that wires TensorFlow.js. Everything else in core imports `tf` from here, so the
 * side-effect imports below run once, in this order, before any op.
 *
 * - `@tensorflow/tfjs` (the union) is imported for its side effects: tfjs-core's Node CJS bundle
 *   registers neither gradients nor chained ops on its own.
 * - `@tensorflow/tfjs-backend-wasm` registers the `wasm` backend (single-threaded SIMD in Node).
 * - `installWasmKernelFixes` replaces eight slow or wrong wasm kernels and adds the max-pool
 *   scatter kernel (wasm-kernels.ts).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmKernelFixes } from './wasm-kernels.js';

installWasmKernelFixes();

export { tf };
