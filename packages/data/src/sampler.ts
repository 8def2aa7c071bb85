/**
 * The episode sampler: seeded N-way, K-shot episodes with U unlabelled support images and Q
 * queries per class, drawn from any FewShotSource.
 *
 * Per episode (all draws from one sfc32 stream, so the same seed gives the same episodes):
 * 1. draw N, K, U, Q (each a fixed number or a uniform integer range);
 * 2. choose N distinct classes; way j is the j-th chosen class (label j);
 * 3. per class, choose K + U + Q distinct images: the first K are labelled support, the next U
 *    unlabelled support (label -1), the last Q queries. Support and query never share an image
 *    (unlike the authors' code, which samples them independently);
 * 4. with `rotate`, each class gets its own k ∈ {0,1,2,3} quarter turns, shared by its support
 *    and query images (the authors' per-label augmentation);
 * 5. support and query are shuffled (unless `shuffle: false`, which keeps class-major order);
 * 6. with `shift` s > 0, every image moves by its own (dy, dx) ∈ [−s, s]², edge pixels repeated
 *    (drawn after the shuffles, so episodes without shift are unchanged).
 * With `unlabeledFrom: 'pool'`, the N·U unlabelled images come from the source's unlabelled pool
 * instead (not rotated).
 */
import { DATA_ERROR_CODES, dataError, usageError } from './errors.js';
import { expandNormalization, OMNIGLOT_NORMALIZATION } from './normalization.js';
import { Random, type Seed } from '@hypertx/export';
import type { FewShotSource, SampledEpisode, ImageBatch, ImageSize, PixelNormalization, RawImage } from './types.js';

/** A fixed count or an inclusive [min, max] range drawn uniformly per episode. */
export type CountOption = number | readonly [number, number];

export interface EpisodeSamplerOptions {
  ways: CountOption;
  /** Labelled support images per class. */
  shots: CountOption;
  /** Unlabelled support images per class (default 0). */
  unlabeled?: CountOption;
  /** Query images per class. */
  queries: CountOption;
  /** Output size: a side length or {height, width}. */
  imageSize: number | ImageSize;
  /** Output channels (default: the source's). 1→3 replicates, 3→1 takes Rec. 709 luma. */
  channels?: number;
  /** Raw → model map (default OMNIGLOT_NORMALIZATION). */
  normalization?: PixelNormalization;
  seed: Seed;
  /** Per-episode, per-class random rotation by k·90° (default false). */
  rotate?: boolean;
  /** Training augmentation: move each image by up to this many pixels in each direction (default 0). */
  shift?: number;
  /** Shuffle the support and query batches (default true). */
  shuffle?: boolean;
  /** Where unlabelled images come from: the episode's classes (default, as the authors do) or the source's unlabelled pool. */
  unlabeledFrom?: 'classes' | 'pool';
  /** Leave out classes with too few images instead of throwing (default false). */
  skipSmallClasses?: boolean;
}

/** The sizes drawn for one episode. */
export interface EpisodeCounts {
  ways: number;
  shots: number;
  unlabeled: number;
  queries: number;
}

export interface EpisodeSampler {
  next(): SampledEpisode;
  /**
   * `count` episodes that share one draw of ways/shots/unlabeled/queries, so they stack into one
   * meta-batch (same shapes). With fixed counts this equals calling next() `count` times.
   */
  nextBatch(count: number): SampledEpisode[];
  /** Episodes drawn so far. */
  readonly count: number;
  /** Class indices (into the source) that episodes draw from. */
  readonly eligibleClasses: readonly number[];
}

interface Range {
  min: number;
  max: number;
}

function parseCount(name: string, value: CountOption | undefined, min: number): Range {
  const [lo, hi] = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 2 ? value : [NaN, NaN];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi < lo) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `episode option ${name} must be an integer ≥ ${min} or a range [min, max] of such; got ${JSON.stringify(value)}`);
  }
  return { min: lo, max: hi };
}

const LUMA = [0.2126, 0.7152, 0.0722];

interface Slot {
  way: number;
  /** Image index in the class, or in the unlabelled pool when `fromPool`. */
  image: number;
  label: number;
  fromPool: boolean;
}

export function createEpisodeSampler(source: FewShotSource, options: EpisodeSamplerOptions): EpisodeSampler {
  const ways = parseCount('ways', options.ways, 1);
  const shots = parseCount('shots', options.shots, 1);
  const unlabeled = parseCount('unlabeled', options.unlabeled ?? 0, 0);
  const queries = parseCount('queries', options.queries, 0);
  const size: ImageSize = typeof options.imageSize === 'number' ? { height: options.imageSize, width: options.imageSize } : options.imageSize;
  if (!Number.isInteger(size.height) || !Number.isInteger(size.width) || size.height < 1 || size.width < 1) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `episode option imageSize must be a positive integer or {height, width}; got ${JSON.stringify(options.imageSize)}`);
  }
  const outChannels = options.channels ?? source.channels;
  if (outChannels !== 1 && outChannels !== 3) throw usageError(DATA_ERROR_CODES.invalidOption, `episode option channels must be 1 or 3; got ${outChannels}`);
  if (source.channels !== 1 && source.channels !== 3) throw usageError(DATA_ERROR_CODES.invalidOption, `${source.name} has ${source.channels} channels; only 1 or 3 are supported`);
  const { scale, offset } = expandNormalization(options.normalization ?? OMNIGLOT_NORMALIZATION, outChannels);
  const fromPool = (options.unlabeledFrom ?? 'classes') === 'pool';
  if (options.unlabeledFrom !== undefined && !['classes', 'pool'].includes(options.unlabeledFrom)) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `episode option unlabeledFrom must be "classes" or "pool"; got ${JSON.stringify(options.unlabeledFrom)}`);
  }
  if (fromPool && unlabeled.max > 0 && (!source.unlabeled || source.unlabeled.count < ways.max * unlabeled.max)) {
    throw dataError(
      DATA_ERROR_CODES.episodeClassTooSmall,
      `${source.name} has ${source.unlabeled?.count ?? 0} unlabelled images; an episode may need ${ways.max} ways × ${unlabeled.max} = ${ways.max * unlabeled.max}`,
      { hint: 'Add unlabelled images, lower `unlabeled`, or use unlabeledFrom: "classes".' },
    );
  }
  const shift = options.shift ?? 0;
  if (!Number.isInteger(shift) || shift < 0 || shift >= Math.min(size.height, size.width)) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `episode option shift must be an integer from 0 to ${Math.min(size.height, size.width) - 1} (pixels); got ${JSON.stringify(options.shift)}`);
  }
  if (options.rotate && size.height !== size.width) {
    // Quarter turns of a non-square image change its shape; keep episodes rectangular-safe.
    throw usageError(DATA_ERROR_CODES.invalidOption, `rotate needs a square imageSize; got ${size.height}×${size.width}`);
  }

  const need = shots.max + queries.max + (fromPool ? 0 : unlabeled.max);
  const eligible: number[] = [];
  const tooSmall: number[] = [];
  source.classes.forEach((c, i) => (c.imageCount >= need ? eligible : tooSmall).push(i));
  if (tooSmall.length > 0 && !options.skipSmallClasses) {
    const c = source.classes[tooSmall[0]!]!;
    throw dataError(
      DATA_ERROR_CODES.episodeClassTooSmall,
      `class "${c.name}" (index ${tooSmall[0]}) of ${source.name} has ${c.imageCount} images; an episode may need K+U+Q = ${shots.max}+${fromPool ? 0 : unlabeled.max}+${queries.max} = ${need}` +
        (tooSmall.length > 1 ? ` (${tooSmall.length} classes are too small)` : ''),
      { hint: 'Lower shots/unlabeled/queries, or pass skipSmallClasses: true to leave such classes out.' },
    );
  }
  if (eligible.length < ways.max) {
    throw dataError(
      DATA_ERROR_CODES.episodeTooFewClasses,
      `${source.name} has ${eligible.length} usable classes (with ≥ ${need} images); episodes may need ${ways.max} ways`,
      { hint: 'Lower `ways` or use a larger source.' },
    );
  }

  const rng = new Random(options.seed);
  const shuffle = options.shuffle ?? true;
  const perImage = size.height * size.width * outChannels;
  const largest = source.classes.reduce((m, c) => Math.max(m, c.imageCount), Math.max(eligible.length, source.unlabeled?.count ?? 0));
  const scratch = new Int32Array(largest);
  // Output pixel → input pixel maps per quarter-turn count (only the identity without rotation).
  const rotationMaps = (options.rotate ? [0, 1, 2, 3] : [0]).map((turns) => pixelMap(size, turns));
  let count = 0;

  const draw = (r: Range): number => (r.min === r.max ? r.min : rng.range(r.min, r.max));

  const shifted = new Int32Array(size.height * size.width);
  const write = (slots: Slot[], classIds: number[], turns: number[]): ImageBatch => {
    const pixels = new Float32Array(slots.length * perImage);
    slots.forEach((s, i) => {
      const raw = s.fromPool ? source.unlabeled!.readImage(s.image, size) : source.readImage(classIds[s.way]!, s.image, size);
      const k = s.fromPool ? 0 : turns[s.way]!;
      if (shift > 0) {
        shiftMap(rotationMaps[k]!, size, rng.range(-shift, shift), rng.range(-shift, shift), shifted);
        writeImage(pixels, i * perImage, raw, shifted, false, source.channels, outChannels, scale, offset);
      } else {
        writeImage(pixels, i * perImage, raw, rotationMaps[k]!, k === 0, source.channels, outChannels, scale, offset);
      }
    });
    return { pixels, count: slots.length, height: size.height, width: size.width, channels: outChannels };
  };

  const drawCounts = (): EpisodeCounts => ({ ways: draw(ways), shots: draw(shots), unlabeled: draw(unlabeled), queries: draw(queries) });

  const episodeWith = ({ ways: n, shots: k, unlabeled: u, queries: q }: EpisodeCounts): SampledEpisode => {
    const classIds = Array.from(rng.sample(eligible.length, n, scratch), (i) => eligible[i]!);
    const turns = classIds.map(() => (options.rotate ? rng.int(4) : 0));
    const support: Slot[] = [];
    const query: Slot[] = [];
    classIds.forEach((c, way) => {
      const picks = rng.sample(source.classes[c]!.imageCount, k + q + (fromPool ? 0 : u), scratch);
      let p = 0;
      for (let i = 0; i < k; i++) support.push({ way, image: picks[p++]!, label: way, fromPool: false });
      if (!fromPool) for (let i = 0; i < u; i++) support.push({ way, image: picks[p++]!, label: -1, fromPool: false });
      for (let i = 0; i < q; i++) query.push({ way, image: picks[p++]!, label: way, fromPool: false });
    });
    if (fromPool && u > 0) {
      for (const image of rng.sample(source.unlabeled!.count, n * u, scratch)) support.push({ way: -1, image, label: -1, fromPool: true });
    }
    if (shuffle) {
      rng.shuffle(support);
      rng.shuffle(query);
    }
    count++;
    return {
      ways: n,
      support: write(support, classIds, turns),
      supportLabels: Int32Array.from(support, (s) => s.label),
      query: write(query, classIds, turns),
      queryLabels: Int32Array.from(query, (s) => s.label),
      classIds,
    };
  };

  return {
    get count() {
      return count;
    },
    eligibleClasses: eligible,
    next(): SampledEpisode {
      return episodeWith(drawCounts());
    },
    nextBatch(batch: number): SampledEpisode[] {
      if (!Number.isInteger(batch) || batch < 1) throw usageError(DATA_ERROR_CODES.invalidOption, `nextBatch needs a count ≥ 1; got ${batch}`);
      const counts = drawCounts();
      return Array.from({ length: batch }, () => episodeWith(counts));
    },
  };
}
/**
 * For an output image of `size`, the input pixel index of each output pixel after `turns`
 * counter-clockwise quarter turns (the input has the same size: rotation needs square images,
 * except turns = 0 or 2).
 */
function pixelMap(size: ImageSize, turns: number): Int32Array {
  const { height: h, width: w } = size;
  const map = new Int32Array(h * w);
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      let y: number;
      let x: number;
      if (turns === 0) { y = oy; x = ox; }
      else if (turns === 1) { y = ox; x = w - 1 - oy; }
      else if (turns === 2) { y = h - 1 - oy; x = w - 1 - ox; }
      else { y = h - 1 - ox; x = oy; }
      map[oy * w + ox] = y * w + x;
    }
  }
  return map;
}

/**
 * `map` moved by (dy, dx): output pixel (y, x) takes what `map` gives for (y − dy, x − dx), clamped
 * to the image, so the content moves down/right for positive shifts and edge pixels repeat.
 */
function shiftMap(map: Int32Array, size: ImageSize, dy: number, dx: number, out: Int32Array): void {
  const { height: h, width: w } = size;
  for (let oy = 0; oy < h; oy++) {
    const y = Math.min(h - 1, Math.max(0, oy - dy));
    for (let ox = 0; ox < w; ox++) {
      const x = Math.min(w - 1, Math.max(0, ox - dx));
      out[oy * w + ox] = map[y * w + x]!;
    }
  }
}

/** Normalise one raw image into `dst` at `offset`, through a pixel map, converting channels. */
function writeImage(dst: Float32Array, at: number, raw: RawImage, map: Int32Array, identity: boolean, inC: number, outC: number, scale: Float64Array, offset: Float64Array): void {
  const n = map.length;
  if (raw.length !== n * inC) throw new RangeError(`source image has ${raw.length} values; expected ${n}×${inC}`);
  if (inC === 1 && outC === 1) {
    const s = scale[0]!;
    const o = offset[0]!;
    if (identity) {
      for (let i = 0; i < n; i++) dst[at + i] = raw[i]! * s + o;
    } else {
      for (let i = 0; i < n; i++) dst[at + i] = raw[map[i]!]! * s + o;
    }
  } else if (inC === outC) {
    for (let i = 0; i < n; i++) {
      const src = map[i]! * inC;
      for (let c = 0; c < outC; c++) dst[at + i * outC + c] = raw[src + c]! * scale[c]! + offset[c]!;
    }
  } else if (inC === 1) {
    for (let i = 0; i < n; i++) {
      const v = raw[map[i]!]!;
      for (let c = 0; c < outC; c++) dst[at + i * outC + c] = v * scale[c]! + offset[c]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const src = map[i]! * inC;
      const v = LUMA[0]! * raw[src]! + LUMA[1]! * raw[src + 1]! + LUMA[2]! * raw[src + 2]!;
      dst[at + i] = v * scale[0]! + offset[0]!;
    }
  }
}
