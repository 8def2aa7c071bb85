/**
 * An image-folder tree as a few-shot source: `root/<class>/<images>` (or `root/<group>/<class>/...`
 * with `layout: 'group/class'`, e.g. the official Omniglot PNG tree), plus an optional unlabelled
 * folder. Every image is decoded once, up front, at `height`×`width` (see decode.ts) and kept in
 * memory as bytes; reading at another size resizes from those (area/bilinear, cached).
 * Images are stored ink-bright: with `ink: 'dark'` (or 'auto' detecting dark ink) they are
 * inverted on load, so the source matches Omniglot-28's polarity.
 */
import { decodeFiles, type DecodeProgressCallback } from '../decode-many.js';
import { checkDecodeOptions, type ResizeFit } from '../decode.js';
import { DATA_ERROR_CODES, dataError } from '../errors.js';
import { detectInk, invertInPlace, type InkOption, type InkPolarity } from '../ink.js';
import { resizeImage } from '../resample.js';
import { scanImageFolder, type FolderLayout } from '../scan.js';
import type { FewShotClass, FewShotSource, ImageSize, RawImage, UnlabeledPool } from '../types.js';

export interface ImageFolderSourceOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Unlabelled folder, resolved against the root (default `_unlabeled`, used when it exists); `null` for none. */
  unlabeledDir?: string | null;
  layout?: FolderLayout;
  ink?: InkOption;
  fit?: ResizeFit;
  maxInputPixels?: number;
  onProgress?: DecodeProgressCallback;
}

export interface ImageFolderSource extends FewShotSource {
  readonly root: string;
  /** Absolute paths per class, in image order. */
  readonly files: readonly (readonly string[])[];
  /** Polarity of the files on disk (the source serves ink-bright pixels either way). */
  readonly ink: InkPolarity;
  readonly skipped: readonly string[];
}

export async function loadImageFolderSource(root: string, options: ImageFolderSourceOptions): Promise<ImageFolderSource> {
  checkDecodeOptions(options);
  const { height, width, channels } = options;
  const scanned = await scanImageFolder(root, {
    ...(options.unlabeledDir === undefined ? {} : { unlabeledDir: options.unlabeledDir }),
    ...(options.layout ? { layout: options.layout } : {}),
  });
  const classesWithImages = scanned.classes.filter((c) => c.files.length > 0);
  if (classesWithImages.length === 0) {
    throw dataError(DATA_ERROR_CODES.sourceEmpty, `image folder ${scanned.root} has no class folders with images`, {
      path: scanned.root,
      hint: options.layout === 'group/class' ? 'Expected <root>/<group>/<class>/<images>.' : 'Expected <root>/<class>/<images>.',
    });
  }
  const files = classesWithImages.map((c) => c.files);
  const unlabeledFiles = scanned.unlabeled ?? [];
  const flat = files.flat();
  const decodeOptions = { height, width, channels, ...(options.fit ? { fit: options.fit } : {}), ...(options.maxInputPixels ? { maxInputPixels: options.maxInputPixels } : {}) };
  const decoded = await decodeFiles([...flat, ...unlabeledFiles], decodeOptions, options.onProgress);
  const ink: InkPolarity = options.ink === undefined || options.ink === 'auto' ? detectInk(decoded, height, width, channels) : options.ink;
  if (ink === 'dark') decoded.forEach(invertInPlace);

  const perClass: Uint8Array[][] = [];
  let k = 0;
  for (const f of files) perClass.push(decoded.slice(k, (k += f.length)));
  const unlabeledImages = decoded.slice(flat.length);
  const nativeSize = { height, width };
  const resizedCache = new Map<string, Float32Array>();
  const at = (img: Uint8Array, key: string, size: ImageSize): RawImage => {
    if (size.height === height && size.width === width) return img;
    const cacheKey = `${key}@${size.height}x${size.width}`;
    let hit = resizedCache.get(cacheKey);
    if (!hit) resizedCache.set(cacheKey, (hit = resizeImage(img, nativeSize, size, channels)));
    return hit;
  };
  const classes: FewShotClass[] = classesWithImages.map((c) => ({ name: c.name, group: c.group, imageCount: c.files.length }));
  const source: ImageFolderSource = {
    name: `image folder ${scanned.root}`,
    root: scanned.root,
    files,
    ink,
    skipped: scanned.skipped,
    classes,
    channels,
    nativeSize,
    readImage(classIndex: number, imageIndex: number, size: ImageSize): RawImage {
      const img = perClass[classIndex]?.[imageIndex];
      if (!img) throw new RangeError(`${source.name}: no image ${imageIndex} in class ${classIndex}`);
      return at(img, `${classIndex}/${imageIndex}`, size);
    },
  };
  if (unlabeledImages.length > 0) {
    const pool: UnlabeledPool = {
      count: unlabeledImages.length,
      readImage(index: number, size: ImageSize): RawImage {
        const img = unlabeledImages[index];
        if (!img) throw new RangeError(`${source.name}: no unlabelled image ${index}`);
        return at(img, `u/${index}`, size);
      },
    };
    Object.assign(source, { unlabeled: pool });
  }
  return source;
}
