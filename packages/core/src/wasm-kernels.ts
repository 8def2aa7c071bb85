/**
 * Replacements for eight tfjs-backend-wasm 4.22 kernels, plus one new kernel. Semantics are
 * unchanged (same outputs, same dtypes); string tensors and shapes a replacement does not cover go
 * to the stock kernels. ops/ops.test.ts compares them with the cpu backend.
 *
 * - Slice, SplitV, Unpack: the stock wasm `Slice` (which SplitV and Unpack call) starts with
 *   `readSync(x)`, a copy of the WHOLE input out of the wasm heap, for every slice. Splitting a
 *   tensor into n parts therefore costs n full copies (measured: splitting 843k floats into 226
 *   parts took 317 ms; 8 episode slices of a 1 M-float activation took 13 ms). These versions read
 *   heap views (no copy) and copy only the selected region.
 * - Identity: zero-copy (the engine clones every tensor it saves for backprop through it).
 * - BatchMatMul: batched or transposed products through XNNPACK's fast 2-D path.
 * - Sum, Mean: large reductions over leading axes in one pass, without the stock transpose.
 * - MaxPoolWithArgmax, for square 'valid' windows with stride = size: the stock kernel returns
 *   wrong maxima whenever there are more than 2 channels (measured against tf.maxPool: max |Δ|
 *   0.2–2.0 for 3, 4, 5, 8, 16 channels); this JS loop over heap views is correct and about as fast.
 *
 * New: `HypertxMaxPoolScatter`, the max-pool gradient (dy added at the argmax positions).
 */
import * as tfc from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tfc.DataType): tfc.TensorInfo;
  typedArrayFromHeap(t: tfc.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Heap = Float32Array | Int32Array | Uint8Array;

/** Copies the box `begin`/`size` of `src` (shape `shape`) into `dst` (row-major). */
function copyBox(src: Heap, shape: number[], begin: number[], size: number[], dst: Heap): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0] as number;
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  // Merge trailing axes that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1] as number;
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner] as number;
  }
  let base = 0;
  for (let i = 0; i < rank; i++) base += (begin[i] as number) * (strides[i] as number);
  if (inner === 0) {
    dst.set(src.subarray(base, base + run));
    return;
  }
  const outer = size.slice(0, inner);
  const idx = new Array<number>(inner).fill(0);
  let o = 0;
  const total = outer.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let off = base;
    for (let i = 0; i < inner; i++) off += (idx[i] as number) * (strides[i] as number);
    if (run < 32) {
      for (let j = 0; j < run; j++) dst[o + j] = src[off + j] as number;
    } else {
      dst.set(src.subarray(off, off + run), o);
    }
    o += run;
    for (let i = inner - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (outer[i] as number)) break;
      idx[i] = 0;
    }
  }
}

function sliceInfo(backend: WasmBackendLike, x: tfc.TensorInfo, begin: number[], size: number[]): tfc.TensorInfo {
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: take views afterwards
  if (size.some((s) => s === 0)) return out;
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

export const MAX_POOL_SCATTER = 'HypertxMaxPoolScatter';

/** 'valid' max pool, window = stride = `size`, NHWC; argmax = flat index incl. batch (first max wins, as TF). */
function maxPoolArgmax(x: Float32Array, shape: number[], size: number, y: Float32Array, arg: Int32Array, includeBatch: boolean): void {
  if (size === 2) return maxPool2x2Argmax(x, shape, y, arg, includeBatch);
  const [n, h, w, c] = shape as [number, number, number, number];
  const oh = Math.floor((h - size) / size) + 1;
  const ow = Math.floor((w - size) / size) + 1;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const batchBase = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let bestIdx = -1;
          for (let di = 0; di < size; di++) {
            const row = batchBase + ((i * size + di) * w + j * size) * c + ch;
            for (let dj = 0; dj < size; dj++) {
              const idx = row + dj * c;
              const v = x[idx] as number;
              if (v > best || bestIdx < 0) {
                best = v;
                bestIdx = idx;
              }
            }
          }
          y[o] = best;
          arg[o] = includeBatch ? bestIdx : bestIdx - batchBase;
          o++;
        }
      }
    }
  }
}

/**
 * The 2×2 case (every pooling of the CNNs here), the same result as maxPoolArgmax: the four
 * candidates of an output are four runs of `c` consecutive floats, read in order (1.5–2× faster
 * than the general loop's channel-strided reads; first maximum wins, as there).
 */
function maxPool2x2Argmax(x: Float32Array, shape: number[], y: Float32Array, arg: Int32Array, includeBatch: boolean): void {
  const [n, h, w, c] = shape as [number, number, number, number];
  const rowStride = w * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const batchBase = b * h * rowStride;
    const shift = includeBatch ? 0 : batchBase;
    for (let i = 0; i < h >> 1; i++) {
      const top = batchBase + 2 * i * rowStride;
      for (let j = 0; j < w >> 1; j++) {
        const a0 = top + 2 * j * c;
        const a1 = a0 + c;
        const a2 = a0 + rowStride;
        const a3 = a2 + c;
        for (let ch = 0; ch < c; ch++) {
          let best = x[a0 + ch] as number;
          let at = a0 + ch;
          let v = x[a1 + ch] as number;
          if (v > best) (best = v), (at = a1 + ch);
          v = x[a2 + ch] as number;
          if (v > best) (best = v), (at = a2 + ch);
          v = x[a3 + ch] as number;
          if (v > best) (best = v), (at = a3 + ch);
          y[o] = best;
          arg[o++] = at - shift;
        }
      }
    }
  }
}

/**
 * BatchMatMul: the stock wasm kernel takes XNNPACK's fast path only for one non-transposed 2-D
 * product; a batch or a transpose flag falls back to a naive loop (8–10× slower, measured). This
 * version transposes small operands itself and runs each batch element through the fast path.
 */
function batchMatMulViaFastPath(stock: tfc.KernelConfig, args: Parameters<tfc.KernelFunc>[0]): tfc.TensorInfo {
  const { inputs, attrs, backend } = args;
  const a = inputs['a'] as tfc.TensorInfo;
  const b = inputs['b'] as tfc.TensorInfo;
  const transposeA = attrs!['transposeA'] as boolean;
  const transposeB = attrs!['transposeB'] as boolean;
  const be = backend as unknown as WasmBackendLike & { disposeData(id: tfc.DataId): void };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const [aRows, aCols] = [a.shape[ra - 2] as number, a.shape[ra - 1] as number];
  const [bRows, bCols] = [b.shape[rb - 2] as number, b.shape[rb - 1] as number];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const batch = Math.max(batchA, batchB);
  const sameOuter = batchA === batchB || batchA === 1 || batchB === 1;
  if (!sameOuter || (transposeB ? bCols : bRows) !== k) return stock.kernelFunc(args) as tfc.TensorInfo;
  const outShape = [...(batchA >= batchB ? a.shape.slice(0, -2) : b.shape.slice(0, -2)), m, n];
  const out = be.makeOutput(outShape, 'float32');
  // Copies matrix `index` of `src` (rows×cols, maybe transposed) into a new plain row-major matrix.
  // A fresh tensor each time: the stock kernel caches XNNPACK operators (packed weights) by the
  // id of `b`, so a reused buffer with new contents would hit a stale cache entry.
  const load = (src: tfc.TensorInfo, index: number, rows: number, cols: number, transpose: boolean, shape: number[]) => {
    const dst = be.makeOutput(shape, 'float32');
    const from = be.typedArrayFromHeap(src) as Float32Array;
    const to = be.typedArrayFromHeap(dst) as Float32Array;
    const base = index * rows * cols;
    if (!transpose) to.set(from.subarray(base, base + rows * cols));
    else for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) to[c * rows + r] = from[base + r * cols + c] as number;
    return dst;
  };
  for (let i = 0; i < batch; i++) {
    const aTmp = load(a, batchA === 1 ? 0 : i, aRows, aCols, transposeA, [1, m, k]);
    const bTmp = load(b, batchB === 1 ? 0 : i, bRows, bCols, transposeB, [1, k, n]);
    const r = stock.kernelFunc({ inputs: { a: aTmp, b: bTmp }, backend, attrs: { transposeA: false, transposeB: false } }) as tfc.TensorInfo;
    (be.typedArrayFromHeap(out) as Float32Array).set(be.typedArrayFromHeap(r) as Float32Array, i * m * n);
    be.disposeData(r.dataId);
    be.disposeData(aTmp.dataId);
    be.disposeData(bTmp.dataId);
  }
  return out;
}

/**
 * Sum/Mean over the leading axes (e.g. a bias gradient: sum of [N, H, W, C] over N, H, W). The
 * stock kernels transpose the input first; this is one pass over the data. Other reductions go to
 * the stock kernels.
 */
function reduceMiddle(args: Parameters<tfc.KernelFunc>[0], mean: boolean): tfc.TensorInfo | null {
  const { inputs, attrs, backend } = args;
  const x = inputs['x'] as tfc.TensorInfo;
  if (x.dtype !== 'float32') return null;
  const rank = x.shape.length;
  const axes = [...new Set(tfc.util.parseAxisParam(attrs!['axis'] as number | number[], x.shape))].sort((p, q) => p - q);
  if (axes.length === 0) return null;
  const first = axes[0] as number;
  const last = axes[axes.length - 1] as number;
  if (last - first + 1 !== axes.length || last === rank - 1) return null;
  const outer = x.shape.slice(0, first).reduce((p, q) => p * q, 1);
  const reduce = x.shape.slice(first, last + 1).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(last + 1).reduce((p, q) => p * q, 1);
  // Measured: the JS pass beats transpose + sum only for large leading-axis reductions with a wide
  // inner dimension (160×14×14×32 over N, H, W: 2.0 vs 4.1 ms; but 448×104 over rows: 0.21 vs
  // 0.11 ms); otherwise keep the stock kernel.
  if (outer !== 1 || inner < 16 || reduce * inner < 1 << 18) return null;
  const keep = attrs!['keepDims'] as boolean;
  const outShape = keep ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
  const be = backend as unknown as WasmBackendLike;
  const out = be.makeOutput(outShape, 'float32');
  const src = be.typedArrayFromHeap(x) as Float32Array;
  const dst = be.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  for (let a = 0; a < outer; a++) {
    const o = a * inner;
    for (let r = 0; r < reduce; r++) {
      const base = (a * reduce + r) * inner;
      for (let c = 0; c < inner; c++) dst[o + c] = (dst[o + c] as number) + (src[base + c] as number);
    }
  }
  if (mean && reduce > 0) for (let i = 0; i < dst.length; i++) dst[i] = (dst[i] as number) / reduce;
  return out;
}

let installed = false;

/** Installs the replacement kernels and `HypertxMaxPoolScatter` on the wasm backend (idempotent). */
export function installWasmKernelFixes(): void {
  if (installed) return;
  installed = true;
  const replace = (kernelName: string, kernelFunc: tfc.KernelFunc) => {
    const stock = tfc.getKernel(kernelName, 'wasm');
    if (!stock) return;
    tfc.unregisterKernel(kernelName, 'wasm');
    tfc.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const inputs = Object.values(args.inputs) as tfc.TensorInfo[];
        if (inputs.some((t) => t.dtype === 'string')) return stock.kernelFunc(args);
        return kernelFunc(args);
      },
      ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
      ...(stock.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    });
  };
  replace('Slice', ({ inputs, attrs, backend }) => {
    const x = inputs['x'] as tfc.TensorInfo;
    const [begin, size] = tfc.slice_util.parseSliceParams(x as tfc.Tensor, attrs!['begin'] as number[], attrs!['size'] as number[]);
    return sliceInfo(backend as unknown as WasmBackendLike, x, begin, size);
  });
  const stockArgmax = tfc.getKernel('MaxPoolWithArgmax', 'wasm');
  replace('MaxPoolWithArgmax', (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x'] as tfc.TensorInfo;
    const size = attrs!['filterSize'] as number | number[];
    const strides = attrs!['strides'] as number | number[];
    const k = Array.isArray(size) ? size[0] : size;
    const sq = (v: number | number[]) => (Array.isArray(v) ? v.every((e) => e === k) : v === k);
    if (!stockArgmax || attrs!['pad'] !== 'valid' || !sq(size) || !sq(strides) || x.dtype !== 'float32' || x.shape.length !== 4) {
      if (!stockArgmax) throw new Error('MaxPoolWithArgmax: no stock kernel to fall back to');
      return stockArgmax.kernelFunc(args);
    }
    const be = backend as unknown as WasmBackendLike;
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const outShape = [n, Math.floor((h - k) / k) + 1, Math.floor((w - k) / k) + 1, c];
    const y = be.makeOutput(outShape, 'float32');
    const arg = be.makeOutput(outShape, 'int32');
    maxPoolArgmax(be.typedArrayFromHeap(x) as Float32Array, x.shape, k as number, be.typedArrayFromHeap(y) as Float32Array, be.typedArrayFromHeap(arg) as Int32Array, attrs!['includeBatchInIndex'] as boolean);
    return [y, arg];
  });
  tfc.registerKernel({
    kernelName: MAX_POOL_SCATTER,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const dy = inputs['dy'] as tfc.TensorInfo;
      const argmax = inputs['argmax'] as tfc.TensorInfo;
      const be = backend as unknown as WasmBackendLike;
      const out = be.makeOutput(attrs!['shape'] as number[], 'float32');
      const dx = be.typedArrayFromHeap(out) as Float32Array;
      dx.fill(0);
      const g = be.typedArrayFromHeap(dy) as Float32Array;
      const idx = be.typedArrayFromHeap(argmax) as Int32Array;
      for (let i = 0; i < idx.length; i++) dx[idx[i] as number] += g[i] as number;
      return out;
    },
  });
  // Identity shares the buffer (refcount) as Reshape does, instead of copying it. The engine
  // clones every tensor it saves for a gradient through Identity (~1000 copies per training step).
  replace('Identity', ({ inputs, backend }) => {
    const x = inputs['x'] as tfc.TensorInfo;
    (backend as unknown as { incRef(id: tfc.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  const stockBmm = tfc.getKernel('BatchMatMul', 'wasm');
  if (stockBmm) {
    replace('BatchMatMul', (args) => {
      const a = args.inputs['a'] as tfc.TensorInfo;
      const b = args.inputs['b'] as tfc.TensorInfo;
      const plain2d = a.shape.length === 2 && b.shape.length === 2 && !args.attrs!['transposeA'] && !args.attrs!['transposeB'];
      if (plain2d || a.dtype !== 'float32' || b.dtype !== 'float32') return stockBmm.kernelFunc(args);
      return batchMatMulViaFastPath(stockBmm, args);
    });
  }
  for (const [name, mean] of [['Sum', false], ['Mean', true]] as const) {
    const stock = tfc.getKernel(name, 'wasm');
    if (stock) replace(name, (args) => reduceMiddle(args, mean) ?? (stock.kernelFunc(args) as tfc.TensorInfo));
  }
  replace('SplitV', ({ inputs, attrs, backend }) => {
    const x = inputs['x'] as tfc.TensorInfo;
    const axis = tfc.util.parseAxisParam(attrs!['axis'] as number, x.shape)[0] as number;
    const sizes = tfc.backend_util.prepareSplitSize(x as tfc.Tensor, attrs!['numOrSizeSplits'] as number[] | number, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceInfo(backend as unknown as WasmBackendLike, x, [...begin], size);
      begin[axis] = (begin[axis] as number) + s;
      return out;
    });
  });
  replace('Unpack', ({ inputs, attrs, backend }) => {
    const value = inputs['value'] as tfc.TensorInfo;
    const axis = (attrs!['axis'] as number) < 0 ? (attrs!['axis'] as number) + value.shape.length : (attrs!['axis'] as number);
    const num = value.shape[axis] as number;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const outs: tfc.TensorInfo[] = [];
    for (let i = 0; i < num; i++) {
      const begin = new Array<number>(value.shape.length).fill(0);
      begin[axis] = i;
      const size = [...value.shape];
      size[axis] = 1;
      const out = sliceInfo(backend as unknown as WasmBackendLike, value, begin, size);
      out.shape = outShape; // same buffer, the unit axis dropped
      outs.push(out);
    }
    return outs;
  });
}
