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

/** 'dark' when most images have a light background, else 'bright' (also for no images). */
export function detectInk(images: readonly Uint8Array[], height: number, width: number, channels: number): InkPolarity {
  let light = 0;
  for (const img of images) if (backgroundLuminance(img, height, width, channels) > 127) light++;
  return light * 2 > images.length ? 'dark' : 'bright';
}

/** p → 255 - p, in place. */
export function invertInPlace(pixels: Uint8Array): Uint8Array {
  for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
  return pixels;
}
