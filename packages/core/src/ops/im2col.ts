/**
 * im2col for stride-1 convolutions: `[N, H, W, C]` → `[N, outH, outW, k·k·C]`, where column
 * (a, b, c) of output pixel (i, j) is input pixel (i + a − padTop, j + b − padLeft), channel c, or
 * 0 outside the image. Multiplying by a kernel reshaped to `[k·k·C, Cout]` is the convolution.
 *
 * One kernel dispatch on wasm and cpu (`HypertxIm2col`, a loop over the input); on other
 * backends (GPUs) a pad, k·k slices and a concat — a count that does not depend on N either.
 */
import * as tfc from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';

export const IM2COL = 'HypertxIm2col';

export interface Im2colGeometry {
  k: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** The loop itself: `src` `[n, h, w, c]` into `dst` `[n, outH, outW, k·k·c]`. */
export function im2colInto(src: Float32Array, shape: readonly number[], g: Im2colGeometry, dst: Float32Array): void {
  const [n, h, w, c] = shape as [number, number, number, number];
  const { k, padTop, padLeft, outH, outW } = g;
  const taps = k * k * c;
  // Zeros once (a native fill), then only the columns inside the image are copied.
  if (padTop > 0 || padLeft > 0 || outH + k - 1 - padTop > h || outW + k - 1 - padLeft > w) dst.fill(0);
  for (let b = 0; b < n; b++) {
    const image = b * h * w * c;
    for (let i = 0; i < outH; i++) {
      const outRow = (b * outH + i) * outW;
      for (let a = 0; a < k; a++) {
        const row = i + a - padTop;
        if (row < 0 || row >= h) continue;
        for (let d = 0; d < k; d++) {
          // Output columns j whose input column j + d − padLeft lies inside the image.
          const jFrom = Math.max(0, padLeft - d);
          const jTo = Math.min(outW, w + padLeft - d);
          let from = image + (row * w + jFrom + d - padLeft) * c;
          let to = (outRow + jFrom) * taps + (a * k + d) * c;
          for (let j = jFrom; j < jTo; j++) {
            for (let e = 0; e < c; e++) dst[to + e] = src[from + e] as number;
            from += c;
            to += taps;
          }
        }
      }
    }
  }
}

function geometryOf(attrs: tfc.NamedAttrMap): Im2colGeometry {
  return { k: attrs['k'] as number, padTop: attrs['padTop'] as number, padLeft: attrs['padLeft'] as number, outH: attrs['outH'] as number, outW: attrs['outW'] as number };
}

function outShape(x: tfc.TensorInfo, g: Im2colGeometry): number[] {
  return [x.shape[0] as number, g.outH, g.outW, g.k * g.k * (x.shape[3] as number)];
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(id: tfc.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tfc.DataType, values: Float32Array): tfc.TensorInfo;
}

let registered = false;

function registerKernels(): void {
  if (registered) return;
  registered = true;
  tfc.registerKernel({
    kernelName: IM2COL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs['x'] as tfc.TensorInfo;
      const g = geometryOf(attrs!);
      const be = backend as unknown as WasmBackendLike;
      const out = be.makeOutput(outShape(x, g), 'float32'); // may grow the heap: take views afterwards
      im2colInto(be.typedArrayFromHeap(x), x.shape, g, be.typedArrayFromHeap(out));
      return out;
    },
  });
  tfc.registerKernel({
    kernelName: IM2COL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs['x'] as tfc.TensorInfo;
      const g = geometryOf(attrs!);
      const be = backend as unknown as CpuBackendLike;
      const shape = outShape(x, g);
      const values = new Float32Array(shape.reduce((p, q) => p * q, 1));
      im2colInto(be.data.get(x.dataId).values, x.shape, g, values);
      return be.makeTensorInfo(shape, 'float32', values);
    },
  });
}

registerKernels();

/** im2col from ordinary ops (pad, k·k slices, concat on channels), for backends without the kernel. */
export function im2colFromOps(x: tf.Tensor4D, g: Im2colGeometry): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const bottom = g.outH + g.k - 1 - g.padTop - h;
  const right = g.outW + g.k - 1 - g.padLeft - w;
  let xp: tf.Tensor4D = x;
  if (g.padTop || g.padLeft || bottom > 0 || right > 0) xp = tf.pad(x, [[0, 0], [g.padTop, Math.max(bottom, 0)], [g.padLeft, Math.max(right, 0)], [0, 0]]);
  const taps: tf.Tensor4D[] = [];
  for (let a = 0; a < g.k; a++) for (let b = 0; b < g.k; b++) taps.push(tf.slice(xp, [0, a, b, 0], [n, g.outH, g.outW, c]));
  return taps.length === 1 ? (taps[0] as tf.Tensor4D) : tf.concat(taps, 3);
}

/** `[N, H, W, C]` → `[N, outH, outW, k·k·C]` (no gradient: callers differentiate around it). */
export function im2col(x: tf.Tensor4D, g: Im2colGeometry): tf.Tensor4D {
  if (tfc.getKernel(IM2COL, tf.getBackend())) {
    return tf.engine().runKernel(IM2COL, { x }, { ...g } as unknown as tfc.NamedAttrMap) as tf.Tensor4D;
  }
  return im2colFromOps(x, g);
}
