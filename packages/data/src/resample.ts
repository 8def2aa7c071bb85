/**
 * Image resampling in plain TypeScript for in-memory sources (packed data sets, generated glyphs).
 *
 * Separable, per axis:
 * - **down-scaling: area averaging** (exact box filter: each output pixel is the coverage-weighted
 *   mean of the input pixels under it, like OpenCV's INTER_AREA). No aliasing, keeps ink mass.
 * - **up-scaling: bilinear** with half-pixel centres (edge pixels clamped).
 * - same size: a copy.
 * Values stay in the input's 0..255 range; the output is a Float32Array (no rounding).
 */
import type { ImageSize, RawImage } from './types.js';

interface AxisTaps {
  /** For output index o, taps are [start[o], start[o] + count[o]) in `index`/`weight`. */
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

const tapCache = new Map<string, AxisTaps>();

function axisTaps(inSize: number, outSize: number): AxisTaps {
  const key = `${inSize}>${outSize}`;
  const cached = tapCache.get(key);
  if (cached) return cached;
  const idx: number[] = [];
  const wts: number[] = [];
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const ratio = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    start[o] = idx.length;
    if (outSize <= inSize) {
      // Output pixel o covers input interval [o*ratio, (o+1)*ratio).
      const lo = o * ratio;
      const hi = lo + ratio;
      for (let i = Math.floor(lo); i < Math.min(inSize, Math.ceil(hi)); i++) {
        const cover = Math.min(hi, i + 1) - Math.max(lo, i);
        if (cover > 1e-9) {
          idx.push(i);
          wts.push(cover / ratio);
        }
      }
    } else {
      const x = (o + 0.5) * ratio - 0.5;
      const x0 = Math.floor(x);
      const f = x - x0;
      const i0 = Math.min(inSize - 1, Math.max(0, x0));
      const i1 = Math.min(inSize - 1, Math.max(0, x0 + 1));
      if (i0 === i1 || f === 0) {
        idx.push(f === 0 ? i0 : i1);
        wts.push(1);
      } else {
        idx.push(i0, i1);
        wts.push(1 - f, f);
      }
    }
    count[o] = idx.length - start[o]!;
  }
  const taps = { start, count, index: Int32Array.from(idx), weight: Float32Array.from(wts) };
  tapCache.set(key, taps);
  return taps;
}

/** Resize an HWC image (area averaging down, bilinear up; see the module comment). */
export function resizeImage(src: RawImage, from: ImageSize, to: ImageSize, channels: number): Float32Array {
  const { height: inH, width: inW } = from;
  const { height: outH, width: outW } = to;
  if (src.length !== inH * inW * channels) {
    throw new RangeError(`resizeImage: ${src.length} values is not ${inH}x${inW}x${channels}`);
  }
  if (inH === outH && inW === outW) return Float32Array.from(src);
  // Horizontal pass: [inH, outW, C], then vertical: [outH, outW, C].
  const tx = axisTaps(inW, outW);
  const tmp = new Float32Array(inH * outW * channels);
  for (let y = 0; y < inH; y++) {
    const rowIn = y * inW * channels;
    const rowOut = y * outW * channels;
    for (let x = 0; x < outW; x++) {
      const s = tx.start[x]!;
      const n = tx.count[x]!;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let t = s; t < s + n; t++) acc += src[rowIn + tx.index[t]! * channels + c]! * tx.weight[t]!;
        tmp[rowOut + x * channels + c] = acc;
      }
    }
  }
  const ty = axisTaps(inH, outH);
  const out = new Float32Array(outH * outW * channels);
  const rowLen = outW * channels;
  for (let y = 0; y < outH; y++) {
    const s = ty.start[y]!;
    const n = ty.count[y]!;
    const o = y * rowLen;
    for (let t = s; t < s + n; t++) {
      const r = ty.index[t]! * rowLen;
      const w = ty.weight[t]!;
      for (let i = 0; i < rowLen; i++) out[o + i]! += tmp[r + i]! * w;
    }
  }
  return out;
}

/**
 * Rotate an HWC image by k·90° counter-clockwise (like numpy.rot90 / tf.image.rot90).
 * Non-square images swap height and width for odd k.
 */
export function rotate90(src: RawImage, size: ImageSize, channels: number, k: number): { pixels: RawImage; size: ImageSize } {
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return { pixels: src, size };
  const { height: h, width: w } = size;
  const outSize = turns === 2 ? size : { height: w, width: h };
  const out = src instanceof Uint8Array ? new Uint8Array(src.length) : new Float32Array(src.length);
  const ow = outSize.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Output coordinates of input pixel (y, x) after `turns` counter-clockwise quarter turns.
      let oy: number;
      let ox: number;
      if (turns === 1) { oy = w - 1 - x; ox = y; }
      else if (turns === 2) { oy = h - 1 - y; ox = w - 1 - x; }
      else { oy = x; ox = h - 1 - y; }
      const si = (y * w + x) * channels;
      const di = (oy * ow + ox) * channels;
      for (let c = 0; c < channels; c++) out[di + c] = src[si + c]!;
    }
  }
  return { pixels: out, size: outSize };
}
