import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { alphabetSplit } from './alphabet-split.js';

const alphabets = Array.from({ length: 30 }, (_, i) => `alphabet-${String(i + 1).padStart(2, '0')}`);
const origin = { where: 'my.json', file: 'my.json' };
const data = (split: object) => ({ rotateClasses: true, rotateEpisodes: false, ...split });

test('named alphabets: those validate, the others train, in file order', () => {
  const s = alphabetSplit(alphabets, data({ validationAlphabets: ['alphabet-30', 'alphabet-02'] }), origin);
  assert.deepEqual(s.validationAlphabets, ['alphabet-02', 'alphabet-30']);
  assert.equal(s.trainAlphabets.length, 28);
  assert.ok(!s.trainAlphabets.includes('alphabet-02'));
  assert.equal(s.rule, '2 named alphabets held out');
});

test('fold i of K holds out the i-th contiguous block of the alphabets in file order; the folds cover each alphabet once', () => {
  const folds = [1, 2, 3, 4, 5].map((fold) => alphabetSplit(alphabets, data({ alphabetFold: { fold, of: 5 } }), origin));
  assert.deepEqual(folds[1]!.validationAlphabets, ['alphabet-07', 'alphabet-08', 'alphabet-09', 'alphabet-10', 'alphabet-11', 'alphabet-12']);
  assert.deepEqual(folds.flatMap((f) => f.validationAlphabets!), alphabets);
  for (const f of folds) assert.deepEqual([...f.trainAlphabets, ...f.validationAlphabets!].sort(), alphabets);
  assert.equal(folds[1]!.rule, 'fold 2 of 5 of the 30 alphabets in file order held out');
  const standard = alphabetSplit(alphabets, data({ alphabetFold: { fold: 6, of: 6 } }), origin);
  assert.deepEqual(standard.validationAlphabets, alphabets.slice(25), 'fold 6 of 6: the last five');
});

test('all alphabets train; validation is on procedural glyphs, and the rule says which', () => {
  const s = alphabetSplit(alphabets, data({ trainAlphabets: 'all' }), origin);
  assert.deepEqual(s.trainAlphabets, alphabets);
  assert.equal(s.validationAlphabets, null);
  assert.match(s.rule, /^all 30 alphabets train; validation on procedural glyphs \(seed "hypertx-validation-glyphs", 20 alphabets of 20 characters, 20 drawings each\)$/);
});

test('an alphabet the data lacks, more folds than alphabets, or holding out all: E_RECIPE naming the field', () => {
  const cases: [object, RegExp][] = [
    [{ validationAlphabets: ['alphabet-01', 'Klingon'] }, /^my\.json: data\.validationAlphabets names "Klingon", not an alphabet of the data; it has alphabet-01, /],
    [{ alphabetFold: { fold: 1, of: 31 } }, /^my\.json: data\.alphabetFold is \{"fold":1,"of":31\}; the data has 30 alphabets, so "of" must be 2\.\.30/],
    [{ validationAlphabets: alphabets }, /^my\.json: data\.validationAlphabets holds out all 30 alphabets/],
  ];
  for (const [split, message] of cases) {
    assert.throws(
      () => alphabetSplit(alphabets, data(split), origin),
      (err: unknown) => isHypertxError(err) && err.code === 'E_RECIPE' && err.kind === 'input' && message.test(err.message),
      JSON.stringify(split),
    );
  }
});
