/** Pixel normalisation: the affine map from raw 0..255 pixels to the floats a model sees. */
import { DATA_ERROR_CODES, usageError } from './errors.js';
import type { PixelNormalization, RawImage } from './types.js';

/**
 * x = p/128 - 1, the authors' preprocessing. Ink is bright (Omniglot-28 polarity:
 * 0 = background → -1, 255 = ink → 0.9921875). One entry: it applies to every channel.
 */
export const OMNIGLOT_NORMALIZATION: PixelNormalization = Object.freeze({
  scale: Object.freeze([1 / 128]) as number[],
  offset: Object.freeze([-1]) as number[],
  description: 'x = p/128 - 1 (ink bright)',
}) as PixelNormalization;

/** Per-channel scale and offset arrays of length `channels` (a single entry is broadcast). */
export function expandNormalization(norm: PixelNormalization, channels: number): { scale: Float64Array; offset: Float64Array } {
  const { scale, offset } = norm;
  if (!Array.isArray(scale) || !Array.isArray(offset) || scale.length === 0 || offset.length === 0) {
    throw usageError(DATA_ERROR_CODES.invalidOption, 'normalization needs non-empty scale and offset arrays');
  }
  for (const [name, arr] of [['scale', scale], ['offset', offset]] as const) {
    if (arr.length !== 1 && arr.length !== channels) {
      throw usageError(DATA_ERROR_CODES.invalidOption, `normalization.${name} has ${arr.length} entries; expected 1 or ${channels} (one per channel)`);
    }
    if (!arr.every((v) => Number.isFinite(v))) throw usageError(DATA_ERROR_CODES.invalidOption, `normalization.${name} has a non-finite entry: [${arr.join(', ')}]`);
  }
  const s = new Float64Array(channels);
  const o = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    s[c] = scale.length === 1 ? scale[0]! : scale[c]!;
    o[c] = offset.length === 1 ? offset[0]! : offset[c]!;
  }
  return { scale: s, offset: o };
}

/** The same normalisation with one entry per channel (what exporters bake in). */
export function perChannel(norm: PixelNormalization, channels: number): PixelNormalization {
  const { scale, offset } = expandNormalization(norm, channels);
  const out: PixelNormalization = { scale: Array.from(scale), offset: Array.from(offset) };
  if (norm.description !== undefined) out.description = norm.description;
  return out;
}

/**
 * Compose a normalisation with a preceding affine map of the raw pixels, p → p·mul + add (the same
 * for every channel): x = (p·mul + add)·s + o = p·(mul·s) + (add·s + o).
 */
export function composeAffine(norm: PixelNormalization, channels: number, mul: number, add: number, description?: string): PixelNormalization {
  const { scale, offset } = expandNormalization(norm, channels);
  return {
    scale: Array.from(scale, (s) => mul * s),
    offset: Array.from(offset, (o, c) => add * scale[c]! + o),
    description: description ?? `${norm.description ?? 'normalization'} of (p·${mul} + ${add})`,
  };
}

/**
 * Fold an ink inversion p → 255 - p into a normalisation: x = (255 - p)·s + o = p·(-s) + (255·s + o).
 * Used for dark-on-light support images, so an exported model fed the same kind of raw photos
 * inverts them itself.
 */
export function foldInversion(norm: PixelNormalization, channels: number): PixelNormalization {
  return composeAffine(norm, channels, -1, 255, `${norm.description ?? 'normalization'}, applied to inverted pixels (255 - p): ink dark in the input`);
}

/** Apply a normalisation to raw HWC pixels, writing floats into `out` at `outOffset`. */
export function normalizeInto(raw: RawImage, channels: number, norm: PixelNormalization, out: Float32Array, outOffset = 0): void {
  const { scale, offset } = expandNormalization(norm, channels);
  if (channels === 1) {
    const s = scale[0]!;
    const o = offset[0]!;
    for (let i = 0; i < raw.length; i++) out[outOffset + i] = raw[i]! * s + o;
    return;
  }
  for (let i = 0; i < raw.length; i++) {
    const c = i % channels;
    out[outOffset + i] = raw[i]! * scale[c]! + offset[c]!;
  }
}

/** Raw pixels → normalised floats (a new array). */
export function normalizePixels(raw: RawImage, channels: number, norm: PixelNormalization): Float32Array {
  const out = new Float32Array(raw.length);
  normalizeInto(raw, channels, norm, out);
  return out;
}

/**
 * Normalised floats → the raw 0..255 pixels they came from (rounded): what an exported model,
 * which normalises inside, takes. The inverse of `normalizePixels`.
 */
export function denormalizePixels(pixels: Float32Array, channels: number, norm: PixelNormalization): Float32Array {
  const { scale, offset } = expandNormalization(norm, channels);
  const raw = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    raw[i] = Math.round((pixels[i]! - offset[c]!) / scale[c]!) + 0; // + 0: no -0 pixels
  }
  return raw;
}
