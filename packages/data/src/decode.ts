/**
 * Decoding image files with sharp (libvips) into raw 0..255 pixels at a fixed size.
 *
 * Pipeline, in order:
 * 1. read the file ourselves (so read errors and decode errors get distinct codes), regular files
 *    only, within a size limit and a timeout (`readInputFile` in @hypertx/export);
 * 2. honour the EXIF orientation (`rotate()`);
 * 3. alpha: flatten onto a background that contrasts with the ink. The opaque pixels' mean
 *    brightness says which: dark ink → white paper, bright ink → black (a transparent
 *    background is "paper" in both cases);
 * 4. colour: convert to grayscale (libvips `b-w`, luminance) or sRGB, whatever the file has
 *    (mixed channel counts in one folder are fine: everything is converted), 8 bits;
 * 5. resize with sharp's default Lanczos-3 kernel (the Omniglot 28×28 file was made with Lanczos
 *    too). `fit: 'contain'` (default) keeps the aspect ratio and pads with the image's own
 *    background colour (the per-channel median of its border pixels after resizing);
 *    `'fill'` stretches; `'cover'` crops the centre.
 * Images above `maxInputPixels` (default 64 megapixels) are refused before decoding. Float TIFFs
 * with samples in 0..1 are scaled to 0..255 first (float-samples.ts).
 */
import { isHypertxError, readInputFile } from '@hypertx/export';
import { DATA_ERROR_CODES, dataError, usageError } from './errors.js';
import { eightBitSource, type ImageSource8 } from './float-samples.js';

export type ResizeFit = 'contain' | 'fill' | 'cover';

export interface DecodeOptions {
  height: number;
  width: number;
  /** 1 = grayscale, 3 = RGB. */
  channels: 1 | 3;
  /** How to fit a differently shaped image (default 'contain', see the module comment). */
  fit?: ResizeFit;
  /** Refuse images with more pixels than this (width × height), default 64 M. */
  maxInputPixels?: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 64 * 1024 * 1024;

/** File extensions (lower case) treated as images when scanning folders. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export function checkDecodeOptions(options: DecodeOptions): void {
  const { height, width, channels } = options;
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 4096) throw usageError(DATA_ERROR_CODES.invalidOption, `image ${name} must be an integer 1..4096, got ${v}`);
  }
  if (channels !== 1 && channels !== 3) throw usageError(DATA_ERROR_CODES.invalidOption, `channels must be 1 (grayscale) or 3 (RGB), got ${String(channels)}`);
  if (options.fit !== undefined && !['contain', 'fill', 'cover'].includes(options.fit)) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `fit must be "contain", "fill" or "cover", got ${JSON.stringify(options.fit)}`);
  }
}

/** Regular files only, at most 256 MiB, with a timeout for stalled reads (readInputFile in @hypertx/export). */
function readImageFile(path: string): Promise<Buffer> {
  return readInputFile(path, 'image', { codes: { notFound: DATA_ERROR_CODES.notFound, read: DATA_ERROR_CODES.read } });
}

function decodeFailure(path: string, err: unknown, maxInputPixels: number): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return dataError(DATA_ERROR_CODES.imageTooLarge, `image ${path} has more than ${maxInputPixels} pixels`, {
      path,
      cause: err,
      hint: 'Downscale it first, or raise maxInputPixels.',
    });
  }
  return dataError(DATA_ERROR_CODES.imageDecode, `cannot decode image ${path}: ${message}`, {
    path,
    cause: err,
    hint: 'The file is corrupt, truncated or not an image (supported: PNG, JPEG, WebP, GIF, TIFF, AVIF).',
  });
}

/** Mean luminance (0..255) of the opaque pixels of an image with alpha, from a small thumbnail. */
async function opaqueInkBrightness(source: ImageSource8): Promise<number | undefined> {
  const { data, info } = await source()
    .rotate()
    .resize(64, 64, { fit: 'inside' })
    .ensureAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i + info.channels - 1]! >= 128) {
      sum += 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
      n++;
    }
  }
  return n === 0 ? undefined : sum / n;
}

/** Per-channel median of the border pixels of an HWC image. */
export function borderMedian(pixels: Uint8Array, height: number, width: number, channels: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < channels; c++) {
    const hist = new Uint32Array(256);
    let n = 0;
    const add = (y: number, x: number): void => {
      hist[pixels[(y * width + x) * channels + c]!]!++;
      n++;
    };
    for (let x = 0; x < width; x++) {
      add(0, x);
      if (height > 1) add(height - 1, x);
    }
    for (let y = 1; y < height - 1; y++) {
      add(y, 0);
      if (width > 1) add(y, width - 1);
    }
    let seen = 0;
    let v = 0;
    for (; v < 255; v++) {
      seen += hist[v]!;
      if (seen * 2 >= n) break;
    }
    out.push(v);
  }
  return out;
}

/** Centre `inner` (h×w) on a `height`×`width` canvas filled with `fill`. */
function padTo(inner: Uint8Array, h: number, w: number, height: number, width: number, channels: number, fill: number[]): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  for (let i = 0; i < out.length; i++) out[i] = fill[i % channels]!;
  const top = Math.floor((height - h) / 2);
  const left = Math.floor((width - w) / 2);
  for (let y = 0; y < h; y++) {
    out.set(inner.subarray(y * w * channels, (y + 1) * w * channels), ((top + y) * width + left) * channels);
  }
  return out;
}

/** Decode an image file to raw 0..255 bytes, HWC, at exactly height×width×channels (see the module comment). */
export async function decodeImageFile(path: string, options: DecodeOptions): Promise<Uint8Array> {
  checkDecodeOptions(options);
  return decodeImageBytes(await readImageFile(path), path, options);
}

/**
 * Decode an image held in memory (PNG, JPEG, WebP, GIF, TIFF, AVIF bytes) exactly as
 * `decodeImageFile` decodes a file; `name` identifies it in errors (a file name, or "class/3").
 */
export async function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeOptions): Promise<Uint8Array> {
  checkDecodeOptions(options);
  const { height, width, channels } = options;
  const fit = options.fit ?? 'contain';
  const limitInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const path = name;
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const source = await eightBitSource(input, path, limitInputPixels);
    const meta = await source().metadata();
    let pipeline = source().rotate();
    if (meta.hasAlpha) {
      const ink = await opaqueInkBrightness(source);
      const paper = ink !== undefined && ink >= 128 ? 0 : 255;
      pipeline = pipeline.flatten({ background: { r: paper, g: paper, b: paper } });
    }
    pipeline = pipeline.resize(width, height, { fit: fit === 'contain' ? 'inside' : fit });
    pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      throw new Error(`decoder returned ${info.channels} channels instead of ${channels}`);
    }
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.width === width && info.height === height) return pixels;
    return padTo(pixels, info.height, info.width, height, width, channels, borderMedian(pixels, info.height, info.width, channels));
  } catch (err) {
    if (isHypertxError(err)) throw err;
    throw decodeFailure(path, err, limitInputPixels);
  }
}

/**
 * Raw pixels of one image file as 0..255 floats (HWC, height×width×channels), decoded exactly
 * as `loadSupportSet` decodes support images (before any normalisation or ink inversion).
 * The CLI feeds these to exported models, whose first op applies the baked-in normalisation.
 */
export async function loadImageRaw(path: string, options: DecodeOptions): Promise<Float32Array> {
  return Float32Array.from(await decodeImageFile(path, options));
}
