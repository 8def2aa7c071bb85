import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { decodeImageFile, loadImageRaw } from './decode.js';
import { OMNIGLOT_NORMALIZATION } from './normalization.js';
import { createGlyphSource, renderGlyph } from './sources/glyphs.js';
import { loadSupportSet, supportBatch } from './support.js';
import { correlation, hxError, queryFixture, supportFixture } from './test-support/paths.js';
import { loadQuerySet } from './query.js';

const gray28 = { height: 28, width: 28, channels: 1 } as const;

test('a light-on-dark support set: sorted classes, class-major labels, Omniglot normalisation, stable hash', async () => {
  const dir = supportFixture('glyphs-5way-1shot');
  const set = await loadSupportSet(dir, gray28);
  assert.deepEqual(set.classNames, [...set.classNames].sort());
  assert.equal(set.classNames.length, 5);
  assert.deepEqual(Array.from(set.labels), [0, 1, 2, 3, 4]);
  assert.equal(set.images.count, 5);
  assert.deepEqual([set.images.height, set.images.width, set.images.channels], [28, 28, 1]);
  assert.equal(set.ink, 'bright');
  assert.deepEqual(set.normalization.scale, OMNIGLOT_NORMALIZATION.scale);
  assert.deepEqual(set.normalization.offset, OMNIGLOT_NORMALIZATION.offset);
  assert.equal(set.unlabeled, undefined);
  assert.equal(set.files.length, 5);
  assert.ok(set.files[0]!.startsWith(dir) && set.files[0]!.endsWith('.png'));
  assert.match(set.hash, /^[0-9a-f]{64}$/);
  // The images are the raw pixels through the returned normalisation.
  const raw = await loadImageRaw(set.files[2]!, gray28);
  raw.forEach((p, i) => assert.ok(Math.abs(p / 128 - 1 - set.images.pixels[2 * 784 + i]!) < 1e-6));
  // Same input → same hash; another size → another hash.
  assert.equal((await loadSupportSet(dir, gray28)).hash, set.hash);
  assert.notEqual((await loadSupportSet(dir, { height: 20, width: 20, channels: 1 })).hash, set.hash);
});

test('dark-on-light RGB photos: ink detected, inversion folded into the normalisation, same glyphs as the light set', async () => {
  const light = await loadSupportSet(supportFixture('glyphs-5way-1shot'), gray28);
  const dark = await loadSupportSet(supportFixture('glyphs-5way-1shot-dark'), gray28);
  assert.equal(dark.ink, 'dark');
  assert.deepEqual(dark.inkVotes, { bright: 0, dark: 5 });
  assert.deepEqual(light.inkVotes, { bright: 5, dark: 0 });
  assert.deepEqual(dark.normalization.scale, [-1 / 128]);
  assert.deepEqual(dark.normalization.offset, [255 / 128 - 1]);
  assert.deepEqual(dark.classNames, light.classNames);
  for (let i = 0; i < 5; i++) {
    const a = light.images.pixels.subarray(i * 784, (i + 1) * 784);
    const b = dark.images.pixels.subarray(i * 784, (i + 1) * 784);
    assert.ok(correlation(a, b) > 0.9, `image ${i}: correlation ${correlation(a, b)}`);
    assert.ok(b[0]! < -0.85, `off-white paper becomes background (near -1): ${b[0]}`);
  }
  // Forcing 'bright' keeps the plain map (and a different hash).
  const forced = await loadSupportSet(supportFixture('glyphs-5way-1shot-dark'), { ...gray28, ink: 'bright' });
  assert.deepEqual(forced.normalization.scale, [1 / 128]);
  assert.notEqual(forced.hash, dark.hash);
  // RGB output: three channels, per-channel map.
  const rgb = await loadSupportSet(supportFixture('glyphs-5way-1shot-dark'), { height: 32, width: 32, channels: 3 });
  assert.equal(rgb.images.channels, 3);
  assert.equal(rgb.images.pixels.length, 5 * 32 * 32 * 3);
  assert.deepEqual(rgb.normalization.scale, [-1 / 128, -1 / 128, -1 / 128]);
});

test('unlabelled folder: used by default when present, can be renamed or disabled', async () => {
  const dir = supportFixture('glyphs-5way-5shot');
  const set = await loadSupportSet(dir, gray28);
  assert.equal(set.images.count, 25);
  assert.equal(set.unlabeled?.count, 15);
  assert.equal(set.unlabeledFiles.length, 15);
  assert.ok(!set.classNames.includes('_unlabeled'));
  const none = await loadSupportSet(dir, { ...gray28, unlabeledDir: null });
  assert.equal(none.unlabeled, undefined);
  assert.notEqual(none.hash, set.hash);
  await assert.rejects(loadSupportSet(dir, { ...gray28, unlabeledDir: 'no-such-folder' }), hxError('E_NOT_FOUND', 'no-such-folder'));
  const batch = supportBatch(set);
  assert.equal(batch.ways, 5);
  assert.equal(batch.support.count, 40);
  assert.deepEqual(Array.from(batch.supportLabels.subarray(20)), [4, 4, 4, 4, 4, ...new Array(15).fill(-1)]);
  assert.deepEqual(batch.support.pixels.subarray(25 * 784), set.unlabeled!.pixels);
  // An absolute unlabelled folder elsewhere works too.
  const other = await loadSupportSet(supportFixture('glyphs-5way-1shot'), { ...gray28, unlabeledDir: join(dir, '_unlabeled') });
  assert.equal(other.unlabeled?.count, 15);
});

test('bad inputs give typed errors naming the file or folder', async () => {
  const bad = (name: string): string => supportFixture(join('bad', name));
  await assert.rejects(loadSupportSet(bad('corrupt-png'), gray28), hxError('E_IMAGE_DECODE', join('corrupt-png', 'alphabet-01-character-02', '00.png')));
  await assert.rejects(loadSupportSet(bad('truncated-png'), gray28), hxError('E_IMAGE_DECODE', join('truncated-png', 'alphabet-01-character-02', '00.png')));
  await assert.rejects(loadSupportSet(bad('not-an-image'), gray28), hxError('E_IMAGE_DECODE', join('not-an-image', 'alphabet-01-character-02', '00.png')));
  await assert.rejects(loadSupportSet(bad('empty-class'), gray28), hxError('E_SUPPORT_EMPTY_CLASS', 'alphabet-01-character-02'));
  await assert.rejects(loadSupportSet(bad('single-class'), gray28), hxError('E_SUPPORT_TOO_FEW_CLASSES', 'single-class', '1 class folder'));
  await assert.rejects(loadSupportSet(bad('huge-image'), gray28), hxError('E_IMAGE_TOO_LARGE', join('huge-image', 'alphabet-01-character-02', '00.png')));
  await assert.rejects(loadSupportSet(bad('no-such-set'), gray28), hxError('E_NOT_FOUND', 'no-such-set'));
  await assert.rejects(loadSupportSet(join(bad('single-class'), 'alphabet-01-character-01', '00.png'), gray28), hxError('E_NOT_A_DIRECTORY', '00.png'));
  await assert.rejects(loadSupportSet(bad('mixed-channels'), { height: 0, width: 28, channels: 1 }), hxError('E_INVALID_OPTION', 'height'));
  await assert.rejects(loadSupportSet(bad('mixed-channels'), { height: 28, width: 28, channels: 2 as 1 }), hxError('E_INVALID_OPTION', 'channels'));
  // The error carries the path, for the CLI.
  const err = await loadSupportSet(bad('corrupt-png'), gray28).catch((e: unknown) => e);
  assert.ok(isHypertxError(err) && err.path?.endsWith('00.png') && err.kind === 'input');
});

test('a tight pixel limit refuses an ordinary image', async () => {
  await assert.rejects(
    decodeImageFile(join(supportFixture('glyphs-5way-1shot-dark'), 'alphabet-01-character-01', '00.png'), { ...gray28, maxInputPixels: 1000 }),
    hxError('E_IMAGE_TOO_LARGE', '1000'),
  );
});

test('non-image files are skipped and listed, hidden files ignored', async () => {
  const set = await loadSupportSet(supportFixture(join('bad', 'non-image-skipped')), gray28);
  assert.equal(set.images.count, 2);
  assert.deepEqual(set.skipped.map((p) => p.split(/[\\/]/).pop()).sort(), ['README.md', 'notes.txt']);
});

test('mixed files (gray, RGB, transparent RGBA, palette, 16-bit, EXIF-rotated JPEG) all load, as gray or RGB', async () => {
  const dir = supportFixture(join('bad', 'mixed-channels'));
  for (const channels of [1, 3] as const) {
    const set = await loadSupportSet(dir, { height: 28, width: 28, channels });
    assert.equal(set.images.count, 6);
    assert.equal(set.images.channels, channels);
    assert.equal(set.ink, 'bright');
  }
  // The transparent RGBA image (dark ink, no paper) is flattened onto white: it reads as dark ink on light.
  const rgba = await decodeImageFile(join(dir, 'alphabet-01-character-03', 'rgba.png'), gray28);
  assert.ok(rgba[0]! > 240, `background ${rgba[0]}`);
  assert.ok(Math.min(...rgba) < 60);
});

test('EXIF orientation is honoured', async () => {
  // Stored turned a quarter counter-clockwise with orientation 6; displayed upright: 40 wide, 60 tall, glyph on top.
  const file = join(supportFixture(join('bad', 'mixed-channels')), 'alphabet-01-character-06', 'exif-rotated.jpg');
  const shown = await loadImageRaw(file, { height: 60, width: 40, channels: 1, fit: 'fill' });
  const glyphs = createGlyphSource({ seed: 'hypertx-fixtures', alphabets: 6, charactersPerAlphabet: 10, drawers: 20 });
  const expected = renderGlyph(glyphs.drawing(5, 0), { height: 40, width: 40 });
  assert.ok(correlation(shown.subarray(0, 40 * 40), expected) > 0.9);
  assert.ok(Math.max(...shown.subarray(45 * 40)) < 40, 'padding at the bottom');
});

test('resizing with contain keeps the aspect ratio and pads with the background colour', async () => {
  const file = join(supportFixture('glyphs-5way-1shot-dark'), 'alphabet-01-character-01', '00.png');
  const wide = await loadImageRaw(file, { height: 16, width: 32, channels: 3 });
  assert.equal(wide.length, 16 * 32 * 3);
  // Left and right thirds are padding in the paper colour (247, 243, 232).
  for (const x of [0, 3, 28, 31]) {
    const i = (8 * 32 + x) * 3;
    assert.deepEqual([wide[i], wide[i + 1], wide[i + 2]], [247, 243, 232]);
  }
  const filled = await loadImageRaw(file, { height: 16, width: 32, channels: 3, fit: 'fill' });
  assert.notDeepEqual(Array.from(filled), Array.from(wide));
});

/**
 * Loads `dir` and returns the error's code and message. File permissions do not bind root, so as
 * root the load runs in a child process as the unprivileged user `nobody`.
 */
async function loadErrorUnprivileged(dir: string): Promise<{ code: string; message: string } | string> {
  if (process.getuid?.() !== 0) {
    const err = await loadSupportSet(dir, gray28).then(() => undefined, (e: unknown) => e);
    assert.ok(isHypertxError(err), `expected a HypertxError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  const moduleUrl = new URL('./support.js', import.meta.url).href;
  const print = (o: string): string => `console.log(JSON.stringify(${o}))`;
  const script = `import(${JSON.stringify(moduleUrl)}).then(
    (m) => m.loadSupportSet(${JSON.stringify(dir)}, { height: 28, width: 28, channels: 1 })
      .then(() => ${print("{ code: 'NONE', message: 'loaded without error' }")}, (e) => ${print('{ code: e.code, message: e.message }')}),
    (e) => ${print('{ skip: String(e && e.message) }')});`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30000 });
  const unprivileged = 'running as root; the check needs a child process as user nobody';
  if (child.error) return `${unprivileged}, which could not start: ${child.error.message}`;
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim()) as { code: string; message: string; skip?: string };
  if (out.skip !== undefined) return `${unprivileged}, which cannot load the package: ${out.skip}`;
  return out;
}

function tempTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hx-perm-'));
  chmodSync(dir, 0o755);
  for (const c of ['a', 'b']) {
    mkdirSync(join(dir, c));
    writeFileSync(join(dir, c, 'x.png'), Buffer.alloc(10));
    chmodSync(join(dir, c, 'x.png'), 0o644);
  }
  return dir;
}

test('an unreadable file is a read error naming it', async (t) => {
  const dir = tempTree();
  try {
    chmodSync(join(dir, 'b', 'x.png'), 0o000);
    const err = await loadErrorUnprivileged(dir);
    if (typeof err === 'string') return t.skip(err);
    assert.equal(err.code, 'E_READ', err.message);
    assert.ok(err.message.includes(join('b', 'x.png')), err.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable folder is a read error naming it', async (t) => {
  const dir = tempTree();
  try {
    chmodSync(join(dir, 'b'), 0o000);
    const err = await loadErrorUnprivileged(dir);
    if (typeof err === 'string') return t.skip(err);
    assert.equal(err.code, 'E_READ', err.message);
    assert.ok(err.message.includes(join(dir, 'b')), err.message);
  } finally {
    chmodSync(join(dir, 'b'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("levels: 'auto' stretches off-white paper to the training background, folded into the map", async () => {
  const dir = supportFixture('glyphs-5way-1shot-dark');
  const plain = await loadSupportSet(dir, gray28);
  const auto = await loadSupportSet(dir, { ...gray28, levels: 'auto' });
  assert.ok(plain.levels.background > 5 && plain.levels.background < 20, `background level ${plain.levels.background}`);
  assert.ok(plain.levels.ink > 200, `ink level ${plain.levels.ink}`);
  assert.ok(auto.normalization.scale[0]! < -1 / 128, 'gain above 1, still inverted');
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(auto.images.pixels[i * 784]! + 1) < 0.02, `corner of image ${i}: ${auto.images.pixels[i * 784]}`);
  // The map is affine in the raw pixels: the batch equals raw·scale + offset.
  const raw = await loadImageRaw(auto.files[1]!, gray28);
  raw.forEach((p, j) => assert.ok(Math.abs(p * auto.normalization.scale[0]! + auto.normalization.offset[0]! - auto.images.pixels[784 + j]!) < 1e-5));
  // Clean light-on-dark data is left alone.
  const clean = await loadSupportSet(supportFixture('glyphs-5way-1shot'), { ...gray28, levels: 'auto' });
  assert.deepEqual(clean.normalization.scale, [1 / 128]);
  await assert.rejects(loadSupportSet(dir, { ...gray28, levels: 'max' as 'auto' }), hxError('E_INVALID_OPTION', 'levels'));
  await assert.rejects(loadSupportSet(dir, { ...gray28, ink: 'red' as 'auto' }), hxError('E_INVALID_OPTION', 'ink'));
});

test('query sets load with the support set map and its class order', async () => {
  const support = await loadSupportSet(supportFixture('glyphs-5way-1shot-dark'), gray28);
  const query = await loadQuerySet(queryFixture('glyphs-5way-1shot-dark'), { ...gray28, classNames: support.classNames, normalization: support.normalization });
  assert.equal(query.images.count, 25);
  assert.deepEqual(Array.from(query.labels), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]);
  assert.ok(query.images.pixels[0]! < -0.85, 'inverted like the support set');
  await assert.rejects(
    loadQuerySet(queryFixture('glyphs-20way-1shot'), { ...gray28, classNames: support.classNames, normalization: support.normalization }),
    hxError('E_QUERY_UNKNOWN_CLASS', 'alphabet-01-character-04'),
  );
});

test('an unlabelled folder inside the root without a leading underscore is not a class', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hx-unl-'));
  try {
    const src = supportFixture('glyphs-5way-1shot');
    for (const c of ['x', 'y', 'pool']) mkdirSync(join(dir, c));
    const png = readFileSync(join(src, 'alphabet-01-character-01', '00.png'));
    for (const f of ['x/1.png', 'y/1.png', 'pool/1.png', 'pool/2.png']) writeFileSync(join(dir, f), png);
    const set = await loadSupportSet(dir, { ...gray28, unlabeledDir: 'pool' });
    assert.deepEqual(set.classNames, ['x', 'y']);
    assert.equal(set.unlabeled?.count, 2);
    assert.deepEqual((await loadSupportSet(dir, gray28)).classNames, ['pool', 'x', 'y']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
