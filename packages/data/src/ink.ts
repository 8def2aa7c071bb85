/**
 * Ink polarity. The training data is light ink on a dark background; people draw dark ink on
 * light paper. Detection looks at each image's border (the per-image median border luminance
 * is its background): a majority of light backgrounds (> 127) means dark ink.
 */
import { borderMedian } from './decode.js';

export type InkPolarity = 'bright' | 'dark';
export type InkOption = 'auto' | InkPolarity;

export function backgroundLuminance(pixels: Uint8Array, height: number, width: number, channels: number): number {
  const m = borderMedian(pixels, height, width, channels);
  return channels === 3 ? 0.2126 * m[0]! + 0.7152 * m[1]! + 0.0722 * m[2]! : m[0]!;
}

/** How many images look ink-bright (dark background) and ink-dark (light background). */
export interface InkVotes {
  bright: number;
  dark: number;
}

export function inkVotes(images: readonly Uint8Array[], height: number, width: number, channels: number): InkVotes {
  let dark = 0;
  for (const img of images) if (backgroundLuminance(img, height, width, channels) > 127) dark++;
  return { bright: images.length - dark, dark };
}

/** 'dark' when most images have a light background, else 'bright' (also for no images). */
export function detectInk(images: readonly Uint8Array[], height: number, width: number, channels: number): InkPolarity {
  const votes = inkVotes(images, height, width, channels);
  return votes.dark > votes.bright ? 'dark' : 'bright';
}

/** p → 255 - p, in place. */
export function invertInPlace(pixels: Uint8Array): Uint8Array {
  for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
  return pixels;
}

/** Background and ink levels of a set of images, in ink-bright terms (0 = ideal background, 255 = ideal ink). */
export interface InkLevels {
  background: number;
  ink: number;
}

/**
 * Measure the levels of a set: background = median of the per-image border medians, ink = the
 * 99th percentile of all pixels (luminance; after inversion for dark ink).
 */
export function measureLevels(images: readonly Uint8Array[], height: number, width: number, channels: number, ink: InkPolarity): InkLevels {
  const flip = (v: number): number => (ink === 'dark' ? 255 - v : v);
  const backgrounds = images.map((img) => flip(backgroundLuminance(img, height, width, channels))).sort((a, b) => a - b);
  const hist = new Float64Array(256);
  let total = 0;
  for (const img of images) {
    for (let i = 0; i < img.length; i += channels) {
      const lum = channels === 3 ? 0.2126 * img[i]! + 0.7152 * img[i + 1]! + 0.0722 * img[i + 2]! : img[i]!;
      hist[Math.round(flip(lum))]!++;
      total++;
    }
  }
  let seen = 0;
  let p99 = 255;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= 0.99 * total) { p99 = v; break; }
  }
  return { background: backgrounds.length ? backgrounds[Math.floor((backgrounds.length - 1) / 2)]! : 0, ink: p99 };
}

/**
 * The affine map q → (q - background)·255/(ink - background) that stretches measured levels to
 * 0..255, or undefined when the contrast is too low to trust (< 32 levels) or already full.
 * The gain is capped at 4.
 */
export function levelsStretch(levels: InkLevels): { mul: number; add: number } | undefined {
  const range = levels.ink - levels.background;
  if (range < 32 || (levels.background === 0 && levels.ink === 255)) return undefined;
  const mul = Math.min(4, 255 / range);
  return { mul, add: -levels.background * mul };
}
