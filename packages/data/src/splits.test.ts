import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rotate90 } from './resample.js';
import { createGlyphSource } from './sources/glyphs.js';
import { rotatedClasses, selectClasses } from './sources/subset.js';
import { foldGroups, groupsOf, holdOutClasses, holdOutFold, holdOutGroups, splitByClass, splitByGroup } from './splits.js';
import { hxError } from './test-support/paths.js';

const source = createGlyphSource({ seed: 4, alphabets: 6, charactersPerAlphabet: 5, drawers: 4 });

test('holdOutGroups by name: disjoint, complete, unknown names rejected', () => {
  const { train, heldOut } = holdOutGroups(source, ['alphabet-02', 'alphabet-05']);
  assert.equal(heldOut.classes.length, 10);
  assert.equal(train.classes.length, 20);
  assert.deepEqual(groupsOf(heldOut), ['alphabet-02', 'alphabet-05']);
  assert.deepEqual(Array.from(heldOut.readImage(0, 1, { height: 8, width: 8 })), Array.from(source.readImage(5, 1, { height: 8, width: 8 })));
  assert.throws(() => holdOutGroups(source, ['alphabet-02', 'klingon']), hxError('E_INVALID_OPTION', 'klingon'));
  assert.throws(() => holdOutGroups(source, groupsOf(source)), hxError('E_INVALID_OPTION'));
});

test('seeded random splits by group and by class are reproducible and disjoint', () => {
  const a = splitByGroup(source, { holdOut: 2, seed: 11 });
  const b = splitByGroup(source, { holdOut: 2, seed: 11 });
  assert.deepEqual(a.heldOut.parentClassIndices, b.heldOut.parentClassIndices);
  const trainGroups = new Set(groupsOf(a.train));
  assert.ok(groupsOf(a.heldOut).every((g) => !trainGroups.has(g)));
  assert.equal(groupsOf(a.heldOut).length, 2);
  const seeds = new Set([1, 2, 3, 4, 5, 6].map((s) => groupsOf(splitByGroup(source, { holdOut: 2, seed: s }).heldOut).join()));
  assert.ok(seeds.size > 1, 'different seeds hold out different groups');

  const c = splitByClass(source, { holdOut: 0.2, seed: 3 });
  assert.equal(c.heldOut.classes.length, 6);
  const all = [...c.train.parentClassIndices, ...c.heldOut.parentClassIndices].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => i));
  assert.throws(() => splitByClass(source, { holdOut: 30, seed: 1 }), hxError('E_INVALID_OPTION', '30'));
  assert.throws(() => splitByClass(source, { holdOut: 1.5, seed: 1 }), hxError('E_INVALID_OPTION'));
  const named = holdOutClasses(source, ['alphabet-01/character-02']);
  assert.deepEqual(named.heldOut.parentClassIndices, [1]);
});

test('rotatedClasses: four classes per character, same group, pixels rotated', () => {
  const small = selectClasses(source, [0, 7]);
  const rot = rotatedClasses(small);
  assert.equal(rot.classes.length, 8);
  assert.deepEqual(rot.classes.slice(0, 4).map((c) => c.name), ['alphabet-01/character-01', 'alphabet-01/character-01@rot90', 'alphabet-01/character-01@rot180', 'alphabet-01/character-01@rot270']);
  assert.ok(rot.classes.slice(4).every((c) => c.group === 'alphabet-02'));
  const size = { height: 12, width: 12 };
  for (let t = 0; t < 4; t++) {
    assert.deepEqual(Array.from(rot.readImage(4 + t, 2, size)), Array.from(rotate90(small.readImage(1, 2, size), size, 1, t).pixels));
  }
  // Non-square sizes come out at the requested size.
  assert.equal(rot.readImage(1, 0, { height: 10, width: 6 }).length, 60);
  assert.throws(() => rotatedClasses(small, [0, 4]), hxError('E_INVALID_OPTION'));
});

test('k-fold by group: contiguous blocks in group order that together hold out every group once', () => {
  const thirty = Array.from({ length: 30 }, (_, i) => `a${i}`);
  assert.deepEqual(foldGroups(thirty, 6, 6), ['a25', 'a26', 'a27', 'a28', 'a29'], 'fold 6 of 6: the last five');
  assert.deepEqual(foldGroups(thirty, 1, 5), ['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
  const sevenOfFour = [1, 2, 3, 4].map((i) => foldGroups(thirty.slice(0, 7), i, 4));
  assert.deepEqual(sevenOfFour, [['a0'], ['a1', 'a2'], ['a3', 'a4'], ['a5', 'a6']]);
  assert.deepEqual(sevenOfFour.flat(), thirty.slice(0, 7));
  const { train, heldOut } = holdOutFold(source, 2, 3);
  assert.deepEqual(groupsOf(heldOut), ['alphabet-03', 'alphabet-04']);
  assert.equal(train.classes.length + heldOut.classes.length, source.classes.length);
  assert.throws(() => foldGroups(thirty, 0, 5), hxError('E_INVALID_OPTION', '1..5'));
  assert.throws(() => foldGroups(thirty, 6, 5), hxError('E_INVALID_OPTION', '1..5'));
  assert.throws(() => foldGroups(thirty, 1, 31), hxError('E_INVALID_OPTION', '2..30 folds'));
  assert.throws(() => foldGroups(thirty, 1, 1), hxError('E_INVALID_OPTION', '2..30 folds'));
});
