#!/usr/bin/env node
/**
 * Regenerates fixtures/support/** and fixtures/query/** from the procedural glyph generator of
 * @hypertx/data (never from Omniglot). Deterministic: same code → same bytes.
 * Usage: npx tsc -b packages/data && node tools/make-fixtures.mjs
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { createGlyphSource, renderGlyph } from '@hypertx/data';
import { parseToolArgs } from './tool-args.mjs';

parseToolArgs(import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const supportDir = join(root, 'fixtures', 'support');
const queryDir = join(root, 'fixtures', 'query');

// 6 alphabets × 10 characters × 20 drawers; drawers 0-9 feed support sets, 10-19 queries.
const glyphs = createGlyphSource({ seed: 'hypertx-fixtures', alphabets: 6, charactersPerAlphabet: 10, drawers: 20 });
const folderName = (classIndex) => glyphs.classes[classIndex].name.replace('/', '-');
const PNG = { compressionLevel: 9, adaptiveFiltering: false, palette: false };

let written = 0;
async function save(path, data) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  written++;
}

/** 8-bit grayscale PNG of a glyph, ink bright on black. */
async function glyphPng(classIndex, drawer, size) {
  const img = renderGlyph(glyphs.drawing(classIndex, drawer), { height: size, width: size });
  const bytes = Uint8Array.from(img, (v) => Math.round(v));
  return sharp(bytes, { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png(PNG).toBuffer();
}

/** RGB PNG of a glyph drawn in blue-black pen on off-white paper (dark on light). */
async function penOnPaperPng(classIndex, drawer, size) {
  const img = renderGlyph(glyphs.drawing(classIndex, drawer), { height: size, width: size });
  const paper = [247, 243, 232];
  const ink = [22, 30, 74];
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < img.length; i++) {
    const a = img[i] / 255;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(paper[c] * (1 - a) + ink[c] * a);
  }
  return sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png(PNG).toBuffer();
}

const pad = (n) => String(n).padStart(2, '0');

async function writeSet(name, classes, { shots, queries, unlabeled = 0, size = 28, render = glyphPng }) {
  for (const c of classes) {
    for (let s = 0; s < shots; s++) await save(join(supportDir, name, folderName(c), `${pad(s)}.png`), await render(c, s, size));
    for (let q = 0; q < queries; q++) await save(join(queryDir, name, folderName(c), `${pad(q)}.png`), await render(c, 10 + q, size));
  }
  // Unlabelled images: drawers after the shots, named so that the file name does not give the class away.
  let u = 0;
  for (let k = 0; k < unlabeled; k++) {
    for (const c of classes) await save(join(supportDir, name, '_unlabeled', `u${pad(u++)}.png`), await render(c, shots + k, size));
  }
}

/** A PNG whose header claims 100000×100000 pixels (a few bytes on disk; decoders must refuse it by size). */
function hugePng() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100000, 0);
  ihdr.writeUInt32BE(100000, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function writeBadSets() {
  const bad = join(supportDir, 'bad');
  const good = async (dir, c, d = 0) => save(join(bad, dir, folderName(c), `${pad(d)}.png`), await glyphPng(c, d, 28));
  const valid = await glyphPng(0, 0, 28);

  // A PNG signature followed by garbage.
  await good('corrupt-png', 0);
  await save(join(bad, 'corrupt-png', folderName(1), '00.png'), Buffer.concat([valid.subarray(0, 16), Buffer.from('this is not image data'.repeat(4))]));
  // A valid PNG cut in half.
  await good('truncated-png', 0);
  await save(join(bad, 'truncated-png', folderName(1), '00.png'), (await glyphPng(1, 0, 28)).subarray(0, Math.floor(valid.length / 2)));
  // Text with an image extension.
  await good('not-an-image', 0);
  await save(join(bad, 'not-an-image', folderName(1), '00.png'), Buffer.from('hello, I am a text file\n'));
  // An empty class (the hidden .gitkeep only keeps the folder in git; hidden files are ignored).
  await good('empty-class', 0);
  await save(join(bad, 'empty-class', folderName(1), '.gitkeep'), Buffer.alloc(0));
  // A single class.
  await good('single-class', 0);
  await good('single-class', 0, 1);
  // A header claiming 10 gigapixels.
  await good('huge-image', 0);
  await save(join(bad, 'huge-image', folderName(1), '00.png'), hugePng());
  // Loads fine: non-image files are skipped (and listed), hidden files ignored.
  await good('non-image-skipped', 0);
  await good('non-image-skipped', 1);
  await save(join(bad, 'non-image-skipped', folderName(1), 'notes.txt'), Buffer.from('drawn on a tablet\n'));
  await save(join(bad, 'non-image-skipped', folderName(1), '.DS_Store'), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
  await save(join(bad, 'non-image-skipped', 'README.md'), Buffer.from('Loose files at the top level are skipped too.\n'));
  // Loads fine: grayscale, RGB, RGBA with transparent paper, palette, 16-bit, and JPEG with an EXIF rotation, all converted.
  const mixed = join(bad, 'mixed-channels');
  const glyph = (c, d, s) => Uint8Array.from(renderGlyph(glyphs.drawing(c, d), { height: s, width: s }), (v) => Math.round(v));
  await save(join(mixed, folderName(0), 'gray.png'), valid);
  const g1 = glyph(1, 0, 28);
  await save(join(mixed, folderName(1), 'rgb.png'), await sharp(g1, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('srgb').png(PNG).toBuffer());
  const g2 = glyph(2, 0, 28);
  const rgba = new Uint8Array(28 * 28 * 4);
  for (let i = 0; i < g2.length; i++) rgba.set([20, 20, 20, g2[i]], i * 4); // dark ink, transparent paper
  await save(join(mixed, folderName(2), 'rgba.png'), await sharp(rgba, { raw: { width: 28, height: 28, channels: 4 } }).png(PNG).toBuffer());
  await save(join(mixed, folderName(3), 'palette.png'), await sharp(glyph(3, 0, 28), { raw: { width: 28, height: 28, channels: 1 } }).png({ ...PNG, palette: true, colours: 16 }).toBuffer());
  await save(join(mixed, folderName(4), 'sixteen-bit.png'), await sharp(glyph(4, 0, 28), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('grey16').png(PNG).toBuffer());
  // EXIF orientation 6 ("rotate 90° clockwise to display"): stored turned a quarter counter-clockwise.
  const g5 = glyph(5, 0, 40);
  const stored = await sharp(g5, { raw: { width: 40, height: 40, channels: 1 } })
    .rotate(-90)
    .extend({ right: 20, background: '#000000' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = stored.info;
  await save(join(mixed, folderName(5), 'exif-rotated.jpg'), await sharp(stored.data, { raw: { width, height, channels } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
}

await rm(supportDir, { recursive: true, force: true });
await rm(queryDir, { recursive: true, force: true });
// Classes: alphabet-major indices (10 per alphabet); the sets use disjoint classes where they can.
await writeSet('glyphs-5way-1shot', [0, 12, 24, 36, 48], { shots: 1, queries: 5 });
await writeSet('glyphs-5way-1shot-dark', [0, 12, 24, 36, 48], { shots: 1, queries: 5, size: 64, render: penOnPaperPng });
await writeSet('glyphs-5way-5shot', [3, 15, 27, 39, 51], { shots: 5, queries: 5, unlabeled: 3 });
await writeSet('glyphs-20way-1shot', Array.from({ length: 20 }, (_, i) => i * 3), { shots: 1, queries: 3 });
await writeBadSets();
process.stdout.write(`make-fixtures: wrote ${written} files under fixtures/support and fixtures/query\n`);
