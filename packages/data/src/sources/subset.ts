/** Views over a source: a subset of its classes, or its classes rotated by k·90° as new classes. */
import { DATA_ERROR_CODES, usageError } from '../errors.js';
import { rotate90 } from '../resample.js';
import type { FewShotClass, FewShotSource, ImageSize, RawImage } from '../types.js';

export interface SubsetSource extends FewShotSource {
  /** Class index in the parent source of each class of this view. */
  readonly parentClassIndices: readonly number[];
  readonly parent: FewShotSource;
}

/** A view with only the given classes of `source`, in the given order. */
export function selectClasses(source: FewShotSource, classIndices: readonly number[], name?: string): SubsetSource {
  const seen = new Set<number>();
  for (const i of classIndices) {
    if (!Number.isInteger(i) || i < 0 || i >= source.classes.length) {
      throw usageError(DATA_ERROR_CODES.invalidOption, `class index ${i} is out of range for ${source.name} (0..${source.classes.length - 1})`);
    }
    if (seen.has(i)) throw usageError(DATA_ERROR_CODES.invalidOption, `class index ${i} is selected twice from ${source.name}`);
    seen.add(i);
  }
  const indices = [...classIndices];
  const view: SubsetSource = {
    name: name ?? `${source.name} [${indices.length} classes]`,
    classes: indices.map((i) => source.classes[i]!),
    channels: source.channels,
    parent: source,
    parentClassIndices: indices,
    readImage: (classIndex: number, imageIndex: number, size: ImageSize): RawImage => {
      const parentIndex = indices[classIndex];
      if (parentIndex === undefined) throw new RangeError(`${view.name}: no class ${classIndex}`);
      return source.readImage(parentIndex, imageIndex, size);
    },
  };
  if (source.nativeSize) Object.assign(view, { nativeSize: source.nativeSize });
  if (source.unlabeled) Object.assign(view, { unlabeled: source.unlabeled });
  return view;
}

/**
 * Each class of `source` rotated by each of `turns` quarter turns (counter-clockwise) becomes a
 * class of its own (the classic Omniglot augmentation: 964 → 3,856 classes). Rotations of one
 * character stay in its group, so group splits never leak a character across the split.
 * Class index = parentClass · turns.length + t; names get a suffix `@rot<degrees>`.
 */
export function rotatedClasses(source: FewShotSource, turns: readonly number[] = [0, 1, 2, 3]): FewShotSource {
  if (turns.length === 0 || turns.some((t) => !Number.isInteger(t) || t < 0 || t > 3) || new Set(turns).size !== turns.length) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `rotatedClasses: turns must be distinct integers 0..3, got [${turns.join(', ')}]`);
  }
  const t = turns.length;
  const classes: FewShotClass[] = [];
  for (const c of source.classes) {
    for (const k of turns) classes.push({ name: k === 0 ? c.name : `${c.name}@rot${k * 90}`, group: c.group, imageCount: c.imageCount });
  }
  const view: FewShotSource = {
    name: `${source.name} rotated ×${t}`,
    classes,
    channels: source.channels,
    readImage(classIndex: number, imageIndex: number, size: ImageSize): RawImage {
      const k = turns[classIndex % t];
      if (k === undefined || classIndex >= classes.length) throw new RangeError(`${view.name}: no class ${classIndex}`);
      const parent = Math.floor(classIndex / t);
      // Odd turns swap height and width: read at the swapped size so the result has `size`.
      const readSize = k % 2 === 1 ? { height: size.width, width: size.height } : size;
      return rotate90(source.readImage(parent, imageIndex, readSize), readSize, source.channels, k).pixels;
    },
  };
  if (source.nativeSize) Object.assign(view, { nativeSize: source.nativeSize });
  return view;
}
