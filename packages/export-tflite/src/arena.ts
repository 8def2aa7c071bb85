/**
 * Tensor-arena estimate for running a hypertx .tflite on a microcontroller (TFLite Micro style):
 * the graph is a chain, so at any operator the live activations are its input and its output.
 * Estimate = the largest (input + output) bytes over all operators, each rounded up to 16 bytes,
 * plus the runtime's bookkeeping, approximated as 1 KiB + 64 B per tensor + 32 B per operator.
 * It ignores kernel scratch buffers (e.g. im2col in optimised conv kernels): treat it as a
 * starting point and confirm with the interpreter's `arena_used_bytes()` on the device.
 */
import type { StandaloneCnn } from '@hypertx/export';
import type { Int8Io } from './emit-int8.js';
import { buildPlan, type Plan } from './plan.js';

export interface ArenaEstimateOptions {
  /** Default 'int8'. */
  precision?: 'int8' | 'float32';
  /** int8 only: float I/O adds a float input and float outputs. Default 'float'. */
  io?: Int8Io;
}

export interface ArenaEstimate {
  /** Total estimate in bytes (a multiple of 16). */
  bytes: number;
  /** Largest input + output activation bytes over all operators. */
  peakActivationBytes: number;
  /** Bookkeeping allowance included in `bytes`. */
  overheadBytes: number;
  tensors: number;
  operators: number;
}

const ALIGN = 16;
const FIXED_OVERHEAD = 1024;
const PER_TENSOR = 64;
const PER_OPERATOR = 32;

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function estimateArena(model: StandaloneCnn, options: ArenaEstimateOptions = {}): ArenaEstimate {
  return estimateFromPlan(buildPlan(model), options);
}

/** Estimated tensor-arena bytes (see `estimateArena` for the breakdown and the method). */
export function estimateArenaBytes(model: StandaloneCnn, options: ArenaEstimateOptions = {}): number {
  return estimateArena(model, options).bytes;
}

export function estimateFromPlan(plan: Plan, options: ArenaEstimateOptions = {}): ArenaEstimate {
  const precision = options.precision ?? 'int8';
  const activationBytes = precision === 'int8' ? 1 : 4;
  const floatIo = precision === 'float32' || (options.io ?? 'float') === 'float';
  // The chain of activation sizes (bytes) the graph passes through, in execution order.
  const chain: number[] = [];
  const inputElements = elements(plan.input);
  if (precision === 'int8' && floatIo) chain.push(inputElements * 4);
  chain.push(inputElements * activationBytes);
  for (const op of plan.ops) chain.push(elements(op.out) * activationBytes);
  chain.push(plan.classes * activationBytes); // softmax output
  let peak = 0;
  for (let i = 1; i < chain.length; i++) peak = Math.max(peak, align(chain[i - 1]!) + align(chain[i]!));
  // Outputs stay live until the end: logits (and, with float I/O, both dequantised outputs).
  let outputs = align(plan.classes * activationBytes) * 2;
  if (precision === 'int8' && floatIo) outputs += align(plan.classes * 4) * 2;
  peak = Math.max(peak, outputs);
  const operators = plan.ops.length + 1 + (precision === 'int8' && floatIo ? 3 : 0);
  const tensors = operators + 1 + plan.ops.length * 2; // activations + constants (roughly two per op)
  const overheadBytes = FIXED_OVERHEAD + PER_TENSOR * tensors + PER_OPERATOR * operators;
  return { bytes: align(peak + overheadBytes), peakActivationBytes: peak, overheadBytes, tensors, operators };
}
