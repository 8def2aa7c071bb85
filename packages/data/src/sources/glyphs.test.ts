import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correlation, hxError } from '../test-support/paths.js';
import { createGlyphSource, renderGlyph } from './glyphs.js';

const S = { height: 28, width: 28 };

test('glyphs are deterministic for a seed, in any reading order', () => {
  const a = createGlyphSource({ seed: 5, alphabets: 3, charactersPerAlphabet: 4, drawers: 6 });
  const b = createGlyphSource({ seed: 5, alphabets: 3, charactersPerAlphabet: 4, drawers: 6 });
  // b reads other images first; a and b still agree.
  for (let c = 0; c < b.classes.length; c++) b.readImage(c, 2, S);
  for (const [c, i] of [[0, 0], [7, 5], [11, 3]] as const) assert.deepEqual(Array.from(a.readImage(c, i, S)), Array.from(b.readImage(c, i, S)));
  const other = createGlyphSource({ seed: 6, alphabets: 3, charactersPerAlphabet: 4, drawers: 6 });
  assert.notDeepEqual(Array.from(a.readImage(0, 0, S)), Array.from(other.readImage(0, 0, S)));
});

test('classes are grouped into alphabets with stable names', () => {
  const g = createGlyphSource({ seed: 1, alphabets: 4, charactersPerAlphabet: [3, 6], drawers: 5 });
  const groups = [...new Set(g.classes.map((c) => c.group))];
  assert.deepEqual(groups, ['alphabet-01', 'alphabet-02', 'alphabet-03', 'alphabet-04']);
  for (const grp of groups) {
    const n = g.classes.filter((c) => c.group === grp).length;
    assert.ok(n >= 3 && n <= 6, `${grp} has ${n} characters`);
  }
  assert.equal(g.classes[0]!.name, 'alphabet-01/character-01');
  assert.ok(g.classes.every((c) => c.imageCount === 5));
  assert.throws(() => createGlyphSource({ drawers: 0 }), hxError('E_INVALID_OPTION', 'drawers'));
});

test('rendering: ink bright on a dark background, anti-aliased, any size', () => {
  const g = createGlyphSource({ seed: 2 });
  const img = g.readImage(3, 4, S);
  assert.equal(img.length, 784);
  assert.equal(img[0], 0);
  assert.ok(img.some((v) => v === 255), 'has full ink');
  assert.ok(img.some((v) => v > 0 && v < 255), 'has anti-aliased edges');
  const ink = Array.from(img).filter((v) => v > 127).length;
  assert.ok(ink > 15 && ink < 400, `ink pixels ${ink}`);
  const odd = renderGlyph(g.drawing(3, 4), { height: 17, width: 13 });
  assert.equal(odd.length, 17 * 13);
  assert.ok(odd.some((v) => v > 200));
});

test('drawers of one character look alike; characters differ (1-nearest-neighbour well above chance)', () => {
  const g = createGlyphSource({ seed: 9, alphabets: 4, charactersPerAlphabet: 5, drawers: 4 });
  let correct = 0;
  let total = 0;
  for (let c = 0; c < g.classes.length; c++) {
    for (let d = 1; d < 4; d++) {
      const probe = g.readImage(c, d, S);
      let best = -1;
      let bestCorr = -Infinity;
      for (let k = 0; k < g.classes.length; k++) {
        const r = correlation(probe, g.readImage(k, 0, S));
        if (r > bestCorr) { bestCorr = r; best = k; }
      }
      correct += best === c ? 1 : 0;
      total++;
    }
  }
  // 20 classes: chance is 5 %.
  assert.ok(correct / total > 0.3, `1-NN accuracy ${correct}/${total}`);
  assert.ok(correct / total < 1 || total < 10, 'drawers should vary enough that pixel matching is not perfect');
});
