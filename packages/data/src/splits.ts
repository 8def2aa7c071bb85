/**
 * Seeded and name-based splits of a source by group (alphabet) or by class. Every split returns
 * views (no copies) `{ train, heldOut }`; class order inside each view follows the parent source.
 */
import { DATA_ERROR_CODES, usageError } from './errors.js';
import { Random, type Seed } from '@hypertx/export';
import { selectClasses, type SubsetSource } from './sources/subset.js';
import type { FewShotSource } from './types.js';

export interface Split {
  train: SubsetSource;
  heldOut: SubsetSource;
}

export interface RandomSplitOptions {
  /** How much to hold out: a count (integer ≥ 1) or a fraction in (0, 1) (rounded, at least 1). */
  holdOut: number;
  seed: Seed;
}

/** Group names in order of first appearance. */
export function groupsOf(source: FewShotSource): string[] {
  return [...new Set(source.classes.map((c) => c.group))];
}

function holdOutCount(holdOut: number, total: number, what: string): number {
  if (!(holdOut > 0) || !Number.isFinite(holdOut)) throw usageError(DATA_ERROR_CODES.invalidOption, `holdOut must be a count ≥ 1 or a fraction in (0, 1); got ${holdOut}`);
  const n = holdOut < 1 ? Math.max(1, Math.round(holdOut * total)) : holdOut;
  if (!Number.isInteger(n)) throw usageError(DATA_ERROR_CODES.invalidOption, `holdOut ${holdOut} is neither an integer count nor a fraction below 1`);
  if (n >= total) throw usageError(DATA_ERROR_CODES.invalidOption, `cannot hold out ${n} of ${total} ${what}: nothing would be left to train on`);
  return n;
}

function splitByClassMask(source: FewShotSource, heldOut: (classIndex: number) => boolean, label: string): Split {
  const train: number[] = [];
  const held: number[] = [];
  source.classes.forEach((_, i) => (heldOut(i) ? held : train).push(i));
  return {
    train: selectClasses(source, train, `${source.name} (train: ${label})`),
    heldOut: selectClasses(source, held, `${source.name} (held out: ${label})`),
  };
}

/** Hold out the groups with the given names (e.g. `OMNIGLOT_VALIDATION_ALPHABETS`). Unknown names are an error. */
export function holdOutGroups(source: FewShotSource, names: readonly string[]): Split {
  const known = new Set(groupsOf(source));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `holdOutGroups: ${source.name} has no group named ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { hint: `Known groups: ${[...known].slice(0, 40).join(', ')}` });
  }
  const held = new Set(names);
  if (held.size >= known.size) throw usageError(DATA_ERROR_CODES.invalidOption, `holdOutGroups would hold out all ${known.size} groups of ${source.name}`);
  return splitByClassMask(source, (i) => held.has(source.classes[i]!.group), `${held.size} named groups`);
}

/**
 * The groups that fold `fold` of `of` holds out, for group-level k-fold: the groups in order
 * (an Omniglot file's alphabet order) cut into `of` contiguous blocks, fold i (1-based) the
 * block from index ⌊(i−1)·G/K⌋ up to ⌊i·G/K⌋ (exclusive). With 30 Omniglot alphabets, fold 6 of
 * 6 is the last five: the project's standard validation alphabets.
 */
export function foldGroups(groups: readonly string[], fold: number, of: number): string[] {
  if (!Number.isInteger(of) || of < 2 || of > groups.length) {
    throw usageError(DATA_ERROR_CODES.invalidOption, `k-fold over ${groups.length} groups needs 2..${groups.length} folds; got ${of}`);
  }
  if (!Number.isInteger(fold) || fold < 1 || fold > of) throw usageError(DATA_ERROR_CODES.invalidOption, `fold must be a whole number in 1..${of}; got ${fold}`);
  return groups.slice(Math.floor(((fold - 1) * groups.length) / of), Math.floor((fold * groups.length) / of));
}

/** Hold out the groups of fold `fold` of `of` (foldGroups). */
export function holdOutFold(source: FewShotSource, fold: number, of: number): Split {
  return holdOutGroups(source, foldGroups(groupsOf(source), fold, of));
}

/** Hold out the classes with the given names. Unknown names are an error. */
export function holdOutClasses(source: FewShotSource, names: readonly string[]): Split {
  const byName = new Map(source.classes.map((c, i) => [c.name, i] as const));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0) throw usageError(DATA_ERROR_CODES.invalidOption, `holdOutClasses: ${source.name} has no class named ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
  const held = new Set(names.map((n) => byName.get(n)!));
  if (held.size >= source.classes.length) throw usageError(DATA_ERROR_CODES.invalidOption, `holdOutClasses would hold out every class of ${source.name}`);
  return splitByClassMask(source, (i) => held.has(i), `${held.size} named classes`);
}

/** Hold out a seeded random selection of whole groups (alphabets). */
export function splitByGroup(source: FewShotSource, options: RandomSplitOptions): Split {
  const groups = groupsOf(source);
  const n = holdOutCount(options.holdOut, groups.length, 'groups');
  const chosen = new Set(new Random(options.seed).shuffle([...groups]).slice(0, n));
  return splitByClassMask(source, (i) => chosen.has(source.classes[i]!.group), `${n} random groups, seed ${String(options.seed)}`);
}

/** Hold out a seeded random selection of classes (groups may straddle the split). */
export function splitByClass(source: FewShotSource, options: RandomSplitOptions): Split {
  const total = source.classes.length;
  const n = holdOutCount(options.holdOut, total, 'classes');
  const chosen = new Set(new Random(options.seed).sample(total, n));
  return splitByClassMask(source, (i) => chosen.has(i), `${n} random classes, seed ${String(options.seed)}`);
}
