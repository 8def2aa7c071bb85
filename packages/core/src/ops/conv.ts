/**
 * Convolutions whose filter gradient works on every backend, wasm included ('Per-episode
 * convolutions' in docs/architecture.md).
 *
 * The wasm backend has no `Conv2DBackpropFilter` kernel, and its `Conv2DBackpropInput`
 * (conv2dTranspose) is a slow reference loop. Both gradients are therefore written here with
 * forward `Conv2D` ops only, which every backend runs on its fast path (XNNPACK on wasm):
 *
 * - input gradient: the transposed convolution as ONE stride-1 conv with a rearranged kernel
 *   followed by depthToSpace (sub-pixel form; no multiplications by inserted zeros);
 * - filter gradient: the "swap batch and channels" form — a stride-1 conv of the padded input
 *   (as `[Cin, H, W, N]`) with the output gradient (as `[h, w, N, Cout]`, dilated by the stride).
 *
 * Measured on wasm (80×14×14×8, 3×3×8×8): conv2dTranspose 8.5 ms vs 0.9 ms here; the im2col
 * filter gradient 19 ms vs 1.9 ms here.
 *
 * `episodeConv2d` runs a meta-batch where every episode has its own generated kernel: the images
 * of episode t are rows `[t·M, (t+1)·M)` and the kernels are `[T, k, k, Cin, Cout]`.
 */
import { tf } from '../tf.js';

export type Padding = 'same' | 'valid';

/** True while a gradient tape records (inside tf.grad / variableGrads); otherwise plain ops suffice. */
export function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

interface Geometry {
  k: number;
  stride: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
}

export function convGeometry(inH: number, inW: number, k: number, stride: number, padding: Padding): Geometry {
  if (padding === 'valid') {
    return { k, stride, inH, inW, outH: Math.floor((inH - k) / stride) + 1, outW: Math.floor((inW - k) / stride) + 1, padTop: 0, padLeft: 0 };
  }
  const outH = Math.ceil(inH / stride);
  const outW = Math.ceil(inW / stride);
  const padH = Math.max((outH - 1) * stride + k - inH, 0);
  const padW = Math.max((outW - 1) * stride + k - inW, 0);
  return { k, stride, inH, inW, outH, outW, padTop: Math.floor(padH / 2), padLeft: Math.floor(padW / 2) };
}

/** Forward conv with TF padding, passed to the kernel as explicit padding (no PadV2 op). */
function forward(x: tf.Tensor4D, w: tf.Tensor4D, g: Geometry): tf.Tensor4D {
  const bottom = Math.max((g.outH - 1) * g.stride + g.k - g.inH - g.padTop, 0);
  const right = Math.max((g.outW - 1) * g.stride + g.k - g.inW - g.padLeft, 0);
  if (g.padTop === 0 && g.padLeft === 0 && bottom === 0 && right === 0) return tf.conv2d(x, w, g.stride, 'valid');
  return tf.conv2d(x, w, g.stride, [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]]);
}

const gatherIndexCache = new Map<string, tf.Tensor1D>();

/** Rows of `[k·k + 1, ·]` (the last row is zeros) that build the sub-pixel kernel. */
function subPixelIndex(k: number, s: number): tf.Tensor1D {
  // Per backend: a cached tensor used on another backend would move there, and moving it back
  // off webgpu needs a synchronous read, which webgpu cannot do.
  const key = `${tf.getBackend()}:${k}:${s}`;
  let t = gatherIndexCache.get(key);
  if (!t) {
    const L = Math.ceil(k / s);
    const idx: number[] = [];
    for (let th = 0; th < L; th++) {
      for (let tw = 0; tw < L; tw++) {
        for (let rh = 0; rh < s; rh++) {
          for (let rw = 0; rw < s; rw++) {
            const a = s * (L - 1 - th) + rh;
            const b = s * (L - 1 - tw) + rw;
            idx.push(a < k && b < k ? a * k + b : k * k);
          }
        }
      }
    }
    t = tf.keep(tf.tensor1d(idx, 'int32'));
    gatherIndexCache.set(key, t);
  }
  return t;
}

/** dL/dx of a conv, from forward Conv2D + depthToSpace only. */
export function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, g: Geometry): tf.Tensor4D {
  const { k, stride: s } = g;
  const [kh, kw, cin, cout] = w.shape;
  if (kh !== k || kw !== k) throw new Error(`convInputGrad: kernel ${kh}×${kw}, expected ${k}`);
  const L = Math.ceil(k / s);
  const n = dy.shape[0];
  const mH = Math.ceil((g.inH + g.padTop) / s);
  const mW = Math.ceil((g.inW + g.padLeft) / s);
  let d = dy;
  if (g.outH > mH || g.outW > mW) d = tf.slice(d, [0, 0, 0, 0], [n, Math.min(g.outH, mH), Math.min(g.outW, mW), cout]);
  const hUsed = Math.min(g.outH, mH);
  const wUsed = Math.min(g.outW, mW);
  const dPad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [L - 1, mH - hUsed], [L - 1, mW - wUsed], [0, 0]];
  let kernel: tf.Tensor4D;
  if (s === 1) {
    kernel = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
  } else {
    const rows = tf.concat([tf.reshape(tf.transpose(w, [0, 1, 3, 2]), [k * k, cout * cin]), tf.zeros([1, cout * cin])], 0);
    const picked = tf.gather(rows, subPixelIndex(k, s));
    kernel = tf.reshape(tf.transpose(tf.reshape(picked, [L, L, s, s, cout, cin]), [0, 1, 4, 2, 3, 5]), [L, L, cout, s * s * cin]);
  }
  let u = tf.conv2d(d, kernel, 1, dPad);
  // depthToSpace as reshape/transpose: the wasm DepthToSpace kernel is ~14× slower (38 vs 2.8 ms).
  if (s > 1) {
    const [un, uh, uw] = u.shape;
    u = tf.reshape(tf.transpose(tf.reshape(u, [un, uh, uw, s, s, cin]), [0, 1, 3, 2, 4, 5]), [un, uh * s, uw * s, cin]);
  }
  if (g.padTop === 0 && g.padLeft === 0 && u.shape[1] === g.inH && u.shape[2] === g.inW) return u;
  return tf.slice(u, [0, g.padTop, g.padLeft, 0], [n, g.inH, g.inW, cin]);
}

/** dL/dw of a conv, from one forward (dilated) Conv2D. */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: Geometry): tf.Tensor4D {
  const { k, stride: s } = g;
  const bottom = Math.max(s * (g.outH - 1) + k - g.inH - g.padTop, 0);
  const right = Math.max(s * (g.outW - 1) + k - g.inW - g.padLeft, 0);
  const xt = tf.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]
  const f = tf.transpose(dy, [1, 2, 0, 3]); // [h, w, N, Cout]
  // Padded to [Cin, Hp, Wp, N] inside the conv; output [Cin, Hp − s(h−1), Wp − s(w−1), Cout].
  let r = tf.conv2d(xt, f, 1, [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]], 'NHWC', s);
  if (r.shape[1] !== k || r.shape[2] !== k) r = tf.slice(r, [0, 0, 0, 0], [r.shape[0], k, k, r.shape[3]]);
  return tf.transpose(r, [1, 2, 0, 3]);
}

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
type EpisodeConvFn = (x: tf.Tensor4D, w: tf.Tensor5D) => tf.Tensor4D;

const convCache = new Map<string, ConvFn>();
const episodeCache = new Map<string, EpisodeConvFn>();

function geometryKey(x: tf.Tensor4D, k: number, stride: number, padding: Padding, needInputGrad: boolean): string {
  return `${x.shape[1]}x${x.shape[2]}:${k}:${stride}:${padding}:${needInputGrad}`;
}

/**
 * 2-D convolution (NHWC, HWIO kernel, no bias) with a gradient that every backend can run.
 * `needInputGrad = false` skips the input gradient (for convs applied to raw images).
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: Padding, needInputGrad = true): tf.Tensor4D {
  const k = w.shape[0];
  if (!tapeOn()) return forward(x, w, convGeometry(x.shape[1], x.shape[2], k, stride, padding));
  const key = geometryKey(x, k, stride, padding, needInputGrad);
  let fn = convCache.get(key);
  if (!fn) {
    const g = convGeometry(x.shape[1], x.shape[2], k, stride, padding);
    fn = tf.customGrad((...args: unknown[]) => {
      const [cx, cw, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
      save([cx, cw]);
      return {
        value: forward(cx, cw, g),
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dx = needInputGrad ? convInputGrad(dy, sw, g) : tf.zerosLike(sx);
          return [dx, convFilterGrad(sx, dy, g)];
        },
      };
    }) as unknown as ConvFn;
    convCache.set(key, fn);
  }
  return fn(x, w);
}

/**
 * Per-episode convolution of a meta-batch: `x` `[T·M, H, W, Cin]` (episode-major), `w`
 * `[T, k, k, Cin, Cout]`; episode t's images use kernel t. Forward and both gradients run one
 * fast Conv2D per episode.
 */
export function episodeConv2d(x: tf.Tensor4D, w: tf.Tensor5D, stride: number, padding: Padding, needInputGrad = true): tf.Tensor4D {
  const episodes = w.shape[0];
  const k = w.shape[1];
  if (x.shape[0] % episodes !== 0) throw new Error(`episodeConv2d: ${x.shape[0]} images do not split into ${episodes} episodes`);
  if (episodes === 1) return conv2d(x, tf.reshape(w, [w.shape[1], w.shape[2], w.shape[3], w.shape[4]]), stride, padding, needInputGrad);
  if (!tapeOn()) {
    const g = convGeometry(x.shape[1], x.shape[2], k, stride, padding);
    const ws = tf.unstack(w) as tf.Tensor4D[];
    return tf.concat((tf.split(x, episodes, 0) as tf.Tensor4D[]).map((xt, t) => forward(xt, ws[t] as tf.Tensor4D, g)), 0);
  }
  const key = `${episodes}:${geometryKey(x, k, stride, padding, needInputGrad)}`;
  let fn = episodeCache.get(key);
  if (!fn) {
    const g = convGeometry(x.shape[1], x.shape[2], k, stride, padding);
    fn = tf.customGrad((...args: unknown[]) => {
      const [cx, cw, save] = args as [tf.Tensor4D, tf.Tensor5D, tf.GradSaveFunc];
      save([cx, cw]);
      const xs = tf.split(cx, episodes, 0) as tf.Tensor4D[];
      const ws = tf.unstack(cw) as tf.Tensor4D[];
      return {
        value: tf.concat(xs.map((xt, t) => forward(xt, ws[t] as tf.Tensor4D, g)), 0),
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor5D];
          const sxs = tf.split(sx, episodes, 0) as tf.Tensor4D[];
          const sws = tf.unstack(sw) as tf.Tensor4D[];
          const dys = tf.split(dy, episodes, 0) as tf.Tensor4D[];
          const dx = needInputGrad ? tf.concat(dys.map((d, t) => convInputGrad(d, sws[t] as tf.Tensor4D, g)), 0) : tf.zerosLike(sx);
          const dw = tf.stack(dys.map((d, t) => convFilterGrad(sxs[t] as tf.Tensor4D, d, g)));
          return [dx, dw];
        },
      };
    }) as unknown as EpisodeConvFn;
    episodeCache.set(key, fn);
  }
  return fn(x, w);
}

/**
 * The textbook form of the per-episode conv: im2col by padding and k·k shifted slices
 * concatenated on the channel axis, then ONE batched matMul
 * `[T, P, k·k·Cin] × [T, k·k·Cin, Cout]`, differentiated by TF.js autodiff (every op has a wasm
 * gradient). Kept as a reference and for the benchmark: on wasm it measured several times slower
 * than `episodeConv2d` (the channel-axis concat and strided slices are copy loops), so the model
 * uses `episodeConv2d`. Stride 1 only.
 */
export function episodeConv2dIm2col(x: tf.Tensor4D, w: tf.Tensor5D, padding: Padding): tf.Tensor4D {
  const [T, k, , cin, cout] = w.shape;
  const [rows, h, wd] = x.shape;
  const g = convGeometry(h, wd, k, 1, padding);
  const bottom = Math.max(g.outH - 1 + k - h - g.padTop, 0);
  const right = Math.max(g.outW - 1 + k - wd - g.padLeft, 0);
  const xp = g.padTop || bottom || g.padLeft || right ? tf.pad(x, [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]]) : x;
  const taps: tf.Tensor4D[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) taps.push(tf.slice(xp, [0, a, b, 0], [rows, g.outH, g.outW, cin]));
  const cols = tf.reshape(tf.concat(taps, 3), [T, (rows / T) * g.outH * g.outW, k * k * cin]);
  const out = tf.matMul(cols, tf.reshape(w, [T, k * k * cin, cout]));
  return tf.reshape(out, [rows, g.outH, g.outW, cout]);
}
