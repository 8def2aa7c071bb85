/**
 * Loading a support set for compile: `dir/<class>/<images>` plus an optional unlabelled folder,
 * decoded (see decode.ts), checked, normalised, with the ink polarity folded into the returned
 * normalisation so that an exported model applies the same map to raw pixels.
 */
import { createHash } from 'node:crypto';
import { decodeImages, type DecodeProgressCallback, type ImageSource } from './decode-many.js';
import { checkDecodeOptions, type ResizeFit } from './decode.js';
import { DATA_ERROR_CODES, dataError, usageError } from './errors.js';
import { inkVotes, levelsStretch, measureLevels, type InkLevels, type InkOption, type InkPolarity, type InkVotes } from './ink.js';
import { composeAffine, normalizeInto, OMNIGLOT_NORMALIZATION, perChannel } from './normalization.js';
import { compareNames, scanImageFolder } from './scan.js';
import type { ImageBatch, PixelNormalization } from './types.js';

export interface LoadSupportSetOptions {
  height: number;
  width: number;
  /** 1 = grayscale, 3 = RGB (every image is converted, whatever it has). */
  channels: 1 | 3;
  /** Unlabelled images: a folder resolved against `dir` (default `_unlabeled`, used when it exists); `null` for none. */
  unlabeledDir?: string | null;
  /** The map for ink-bright images (default OMNIGLOT_NORMALIZATION, x = p/128 - 1). */
  normalization?: PixelNormalization;
  /** Ink polarity of the files: 'auto' (default) detects it; 'dark' folds an inversion into the normalisation. */
  ink?: InkOption;
  /**
   * 'auto' also stretches the set's measured background and ink levels (e.g. grey paper, faded pen)
   * to the training range, folded into the normalisation; 'none' (default) keeps raw levels.
   */
  levels?: 'auto' | 'none';
  fit?: ResizeFit;
  maxInputPixels?: number;
  onProgress?: DecodeProgressCallback;
}

export interface SupportSet {
  /** Class folder names, in JavaScript's default string order (UTF-16 code units; locale-independent). */
  classNames: string[];
  /** Labelled images, normalised with `normalization`, class-major in `files` order. */
  images: ImageBatch;
  /** Class index of each labelled image. */
  labels: Int32Array;
  unlabeled?: ImageBatch;
  /** Absolute paths of the labelled images (names, for images given in memory), in `images` order. */
  files: string[];
  /** Absolute paths (or names) of the unlabelled images, in `unlabeled` order (empty when none). */
  unlabeledFiles: string[];
  /** The map actually applied to RAW pixels (one entry per channel, inversion folded in): bake it into exported models. */
  normalization: PixelNormalization;
  /** The ink polarity of the files (detected or given). */
  ink: InkPolarity;
  /**
   * Per-image polarity votes (light border = dark ink). A split vote means mixed photos: one map
   * cannot serve both, so the CLI should warn.
   */
  inkVotes: InkVotes;
  /** Measured levels (ink-bright terms), always reported; applied only with `levels: 'auto'`. */
  levels: InkLevels;
  /** sha256 hex over the decoded raw pixels, labels, class names, shape and normalisation. */
  hash: string;
  /** Files and folders ignored because they are not images (hidden files are not listed). */
  skipped: string[];
}

function hashSupport(parts: { header: unknown; raw: Uint8Array[]; labels: Int32Array; unlabeledRaw: Uint8Array[] }): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(parts.header));
  for (const img of parts.raw) h.update(img);
  const labelBytes = Buffer.alloc(parts.labels.length * 4);
  parts.labels.forEach((l, i) => labelBytes.writeInt32LE(l, i * 4));
  h.update(labelBytes);
  for (const img of parts.unlabeledRaw) h.update(img);
  return h.digest('hex');
}

function toBatch(images: Uint8Array[], height: number, width: number, channels: number, norm: PixelNormalization): ImageBatch {
  const per = height * width * channels;
  const pixels = new Float32Array(images.length * per);
  images.forEach((img, i) => normalizeInto(img, channels, norm, pixels, i * per));
  return { pixels, count: images.length, height, width, channels };
}

/** The full raw → model map: optional inversion (dark ink), optional levels stretch, then `base`. */
function rawToModel(base: PixelNormalization, channels: number, ink: InkPolarity, stretch: { mul: number; add: number } | undefined): PixelNormalization {
  // q = a·p + d (inversion), then q' = q·mul + add (levels): p → p·(a·mul) + (d·mul + add).
  const a = ink === 'dark' ? -1 : 1;
  const d = ink === 'dark' ? 255 : 0;
  if (!stretch && ink === 'bright') return base;
  const mul = stretch?.mul ?? 1;
  const add = stretch?.add ?? 0;
  const what = [ink === 'dark' ? 'inverted (255 - p): ink dark in the input' : '', stretch ? `levels stretched ×${mul.toFixed(3)}` : ''].filter(Boolean).join(', ');
  return composeAffine(base, channels, a * mul, d * mul + add, `${base.description ?? 'normalization'}, applied to pixels ${what}`);
}

/** Load a support set from `dir` (see LoadSupportSetOptions and the README for the rules). */
export async function loadSupportSet(dir: string, options: LoadSupportSetOptions): Promise<SupportSet> {
  checkSupportOptions(options);
  const scanned = await scanImageFolder(dir, options.unlabeledDir === undefined ? {} : { unlabeledDir: options.unlabeledDir });
  for (const c of scanned.classes) {
    if (c.files.length === 0) {
      throw dataError(DATA_ERROR_CODES.supportEmptyClass, `class folder "${c.name}" has no images: ${c.dir}`, {
        path: c.dir,
        hint: 'Add at least one image (PNG, JPEG, WebP, GIF, TIFF, AVIF) or remove the folder (or rename it to start with "_").',
      });
    }
  }
  if (scanned.classes.length < 2) {
    throw tooFewClasses(`support set ${scanned.root} has ${scanned.classes.length} class folder${scanned.classes.length === 1 ? '' : 's'}`, scanned.root, 'Put each class in its own sub-folder: <dir>/<class name>/<images>.');
  }
  const asSource = (path: string): ImageSource => ({ name: path, path });
  return assembleSupportSet(
    scanned.classes.map((c) => ({ name: c.name, images: c.files.map(asSource) })),
    (scanned.unlabeled ?? []).map(asSource),
    scanned.skipped,
    options,
  );
}

/** One labelled image held in memory (PNG, JPEG, WebP, GIF, TIFF or AVIF bytes). */
export interface LabelledImageBytes {
  label: string;
  bytes: Uint8Array;
  /** Names the image in errors and in `files` (default `<label>/<n>`). */
  name?: string;
}

/** An unlabelled image held in memory. */
export interface UnlabelledImageBytes {
  bytes: Uint8Array;
  name?: string;
}

/**
 * A support set from images in memory, decoded and normalised exactly as `loadSupportSet` does a
 * folder: classes in the same (code-unit) order as class folders, images in the order given, so the
 * same images and labels give the same set and hash whichever way they arrive.
 */
export async function supportSetFromImages(
  images: readonly LabelledImageBytes[],
  options: Omit<LoadSupportSetOptions, 'unlabeledDir'> & { unlabeled?: readonly UnlabelledImageBytes[] },
): Promise<SupportSet> {
  checkSupportOptions(options);
  if (!Array.isArray(images)) throw usageError(DATA_ERROR_CODES.invalidOption, 'images must be an array of { label, bytes }');
  const byClass = new Map<string, ImageSource[]>();
  images.forEach((image, i) => {
    const label = image?.label;
    if (typeof label !== 'string' || label.trim() === '') throw usageError(DATA_ERROR_CODES.invalidOption, `image ${i}: label must be a non-empty string, got ${JSON.stringify(label)}`);
    if (!(image.bytes instanceof Uint8Array)) throw usageError(DATA_ERROR_CODES.invalidOption, `image ${i} ("${label}"): bytes must be a Uint8Array or Buffer`);
    const list = byClass.get(label) ?? [];
    list.push({ name: image.name ?? `${label}/${list.length}`, bytes: image.bytes });
    byClass.set(label, list);
  });
  if (byClass.size < 2) {
    throw tooFewClasses(`the support set has ${byClass.size} class${byClass.size === 1 ? '' : 'es'}`, undefined, 'Give images of at least two labels.');
  }
  const unlabeled = (options.unlabeled ?? []).map((image, i): ImageSource => {
    if (!(image?.bytes instanceof Uint8Array)) throw usageError(DATA_ERROR_CODES.invalidOption, `unlabelled image ${i}: bytes must be a Uint8Array or Buffer`);
    return { name: image.name ?? `unlabeled/${i}`, bytes: image.bytes };
  });
  const classes = [...byClass.keys()].sort(compareNames).map((name) => ({ name, images: byClass.get(name)! }));
  return assembleSupportSet(classes, unlabeled, [], options);
}

function checkSupportOptions(options: Omit<LoadSupportSetOptions, 'unlabeledDir'>): void {
  checkDecodeOptions(options);
  if (options.ink !== undefined && !['auto', 'bright', 'dark'].includes(options.ink)) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `ink must be "auto", "bright" or "dark"; got ${JSON.stringify(options.ink)}`);
  }
  if (options.levels !== undefined && !['auto', 'none'].includes(options.levels)) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `levels must be "auto" or "none"; got ${JSON.stringify(options.levels)}`);
  }
}

function tooFewClasses(what: string, path: string | undefined, hint: string): Error {
  return dataError(DATA_ERROR_CODES.supportTooFewClasses, `${what}; a classifier needs at least 2`, { ...(path !== undefined ? { path } : {}), hint });
}

/** Decodes, measures ink and levels, normalises and hashes: the part folder and in-memory sets share. */
async function assembleSupportSet(
  classes: { name: string; images: ImageSource[] }[],
  unlabeledImages: ImageSource[],
  skipped: string[],
  options: Omit<LoadSupportSetOptions, 'unlabeledDir'>,
): Promise<SupportSet> {
  const { height, width, channels } = options;
  const base = perChannel(options.normalization ?? OMNIGLOT_NORMALIZATION, channels);
  const labelled = classes.flatMap((c) => c.images);
  const files = labelled.map((image) => image.name);
  const labels = Int32Array.from(classes.flatMap((c, i) => c.images.map(() => i)));
  const unlabeledFiles = unlabeledImages.map((image) => image.name);
  const decodeOptions = { height, width, channels, ...(options.fit ? { fit: options.fit } : {}), ...(options.maxInputPixels ? { maxInputPixels: options.maxInputPixels } : {}) };
  const all = await decodeImages([...labelled, ...unlabeledImages], decodeOptions, options.onProgress);
  const raw = all.slice(0, files.length);
  const unlabeledRaw = all.slice(files.length);

  const votes = inkVotes(all, height, width, channels);
  const detected: InkPolarity = votes.dark > votes.bright ? 'dark' : 'bright';
  const ink: InkPolarity = options.ink === undefined || options.ink === 'auto' ? detected : options.ink;
  const levels = measureLevels(all, height, width, channels, ink);
  const normalization = rawToModel(base, channels, ink, options.levels === 'auto' ? levelsStretch(levels) : undefined);
  const classNames = classes.map((c) => c.name);
  const hash = hashSupport({
    header: { version: 1, height, width, channels, classNames, normalization: { scale: normalization.scale, offset: normalization.offset }, labeled: files.length, unlabeled: unlabeledFiles.length },
    raw,
    labels,
    unlabeledRaw,
  });
  const result: SupportSet = {
    classNames,
    images: toBatch(raw, height, width, channels, normalization),
    labels,
    files,
    unlabeledFiles,
    normalization,
    ink,
    inkVotes: votes,
    levels,
    hash,
    skipped,
  };
  if (unlabeledRaw.length > 0) result.unlabeled = toBatch(unlabeledRaw, height, width, channels, normalization);
  return result;
}

/**
 * A loaded support set as one batch, the way episodes present it to the model: labelled images
 * first (labels 0..N-1), then the unlabelled ones (label -1).
 */
export function supportBatch(set: SupportSet): { ways: number; support: ImageBatch; supportLabels: Int32Array } {
  const { images, unlabeled } = set;
  const extra = unlabeled?.count ?? 0;
  if (extra === 0) return { ways: set.classNames.length, support: images, supportLabels: set.labels };
  const pixels = new Float32Array(images.pixels.length + unlabeled!.pixels.length);
  pixels.set(images.pixels);
  pixels.set(unlabeled!.pixels, images.pixels.length);
  const supportLabels = new Int32Array(images.count + extra).fill(-1);
  supportLabels.set(set.labels);
  return { ways: set.classNames.length, support: { ...images, pixels, count: images.count + extra }, supportLabels };
}
