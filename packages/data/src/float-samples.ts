/**
 * Floating-point images (TIFF with 32- or 64-bit float samples). libvips keeps their values as
 * they are and a cast to 8 bits truncates, so samples in 0..1 (the usual convention) would all
 * become 0 or 1: a black image. Such files are scaled to 0..255 here, before the common pipeline;
 * float samples outside 0..1 have no agreed meaning and are refused.
 */
import sharp, { type Sharp } from 'sharp';
import { DATA_ERROR_CODES, dataError } from './errors.js';

/** A fresh sharp pipeline over the image, always one that casts to 8 bits correctly. */
export type ImageSource8 = () => Sharp;

export async function eightBitSource(input: Buffer, name: string, limitInputPixels: number): Promise<ImageSource8> {
  const open = (): Sharp => sharp(input, { limitInputPixels, failOn: 'error' });
  const { depth } = await open().metadata();
  if (depth !== 'float' && depth !== 'double') return open;
  const { channels } = await open().stats();
  const low = Math.min(...channels.map((c) => c.min));
  const high = Math.max(...channels.map((c) => c.max));
  if (!(low >= 0 && high <= 1)) {
    throw dataError(DATA_ERROR_CODES.imageDecode, `image ${name} has floating-point samples from ${low} to ${high}; hypertx reads float images with samples in 0..1`, {
      path: name,
      hint: 'Save it with 8- or 16-bit integer samples, or scale its samples to 0..1.',
    });
  }
  // Orientation is applied here: the raw 8-bit copy carries no EXIF for the pipeline to apply later.
  const { data, info } = await open().rotate().linear(255, 0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
  return () => sharp(data, { raw, limitInputPixels, failOn: 'error' });
}
