/**
 * The one module that wires TensorFlow.js (toolchain.md §3.1). Everything else in core imports `tf`
 * from here.
 *
 * - `@tensorflow/tfjs` (the union) is imported for its side effects: tfjs-core's Node CJS bundle
 *   registers neither gradients nor chained ops on its own.
 * - `@tensorflow/tfjs-backend-wasm` registers the `wasm` backend (single-threaded SIMD in Node).
 * - `installWasmKernelFixes` swaps three slow wasm copy kernels for heap-view versions.
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmKernelFixes } from './wasm-kernels.js';

installWasmKernelFixes();

export { tf };
