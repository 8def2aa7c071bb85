import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { createEpisodeSampler } from '../sampler.js';
import { hxError, queryFixture, supportFixture } from '../test-support/paths.js';
import { loadImageFolderSource } from './folder.js';
import { createGlyphSource, renderGlyph } from './glyphs.js';

test('an image-folder tree is a source; its unlabelled folder is a pool for episodes', async () => {
  const progress: number[] = [];
  const src = await loadImageFolderSource(supportFixture('glyphs-5way-5shot'), { height: 28, width: 28, channels: 1, onProgress: (p) => progress.push(p.done) });
  assert.equal(src.classes.length, 5);
  assert.ok(src.classes.every((c) => c.imageCount === 5 && c.group === c.name));
  assert.equal(src.unlabeled?.count, 15);
  assert.equal(progress.length, 40);
  assert.equal(Math.max(...progress), 40);
  const ep = createEpisodeSampler(src, { ways: 3, shots: 2, unlabeled: 1, queries: 2, imageSize: 28, seed: 1, unlabeledFrom: 'pool' }).next();
  assert.equal(ep.support.count, 9);
  assert.equal(ep.supportLabels.filter((l) => l === -1).length, 3);
  // Reading at another size resizes from the decoded images.
  assert.equal(src.readImage(0, 0, { height: 14, width: 14 }).length, 196);
});

test('dark-ink folders are served ink-bright; group/class layout', async () => {
  const dark = await loadImageFolderSource(supportFixture('glyphs-5way-1shot-dark'), { height: 28, width: 28, channels: 1 });
  assert.equal(dark.ink, 'dark');
  const img = dark.readImage(0, 0, { height: 28, width: 28 });
  assert.ok(img[0]! < 15, 'background dark after inversion');
  assert.ok(Math.max(...img) > 180, 'ink bright after inversion');

  const grouped = await loadImageFolderSource(queryFixture(''), { height: 28, width: 28, channels: 1, layout: 'group/class' });
  assert.deepEqual([...new Set(grouped.classes.map((c) => c.group))], ['glyphs-20way-1shot', 'glyphs-5way-1shot', 'glyphs-5way-1shot-dark', 'glyphs-5way-5shot']);
  assert.equal(grouped.classes[0]!.name, 'glyphs-20way-1shot/alphabet-01-character-01');
  await assert.rejects(loadImageFolderSource(supportFixture(join('bad', 'empty-class', 'alphabet-01-character-02')), { height: 28, width: 28, channels: 1 }), hxError('E_SOURCE_EMPTY'));
});

test('committed fixtures match the current glyph generator (re-run tools/make-fixtures.mjs if this fails)', async () => {
  const glyphs = createGlyphSource({ seed: 'hypertx-fixtures', alphabets: 6, charactersPerAlphabet: 10, drawers: 20 });
  for (const [set, cls, file, drawer] of [['glyphs-5way-1shot', 12, '00.png', 0], ['glyphs-20way-1shot', 57, '00.png', 0]] as const) {
    const path = join(supportFixture(set), glyphs.classes[cls]!.name.replace('/', '-'), file);
    const bytes = await readFile(path);
    assert.equal((await sharp(bytes).metadata()).channels, 1, `${path} should be a grayscale PNG`);
    const data = await sharp(bytes).toColourspace('b-w').raw().toBuffer();
    const expected = renderGlyph(glyphs.drawing(cls, drawer), { height: 28, width: 28 });
    assert.deepEqual(Array.from(data), Array.from(expected, (v) => Math.round(v)), path);
  }
});
