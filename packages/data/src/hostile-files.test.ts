/**
 * Support sets a hostile (or unlucky) user can make: special files posing as images, entries that
 * cannot be resolved, names that are not UTF-8, float TIFFs. Each is an error naming the culprit
 * (or, for float TIFFs in 0..1, decoded right): never a hang, and never a class dropped silently.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeImageBytes } from './decode.js';
import { scanImageFolder } from './scan.js';
import { loadSupportSet } from './support.js';
import { hxError, supportFixture } from './test-support/paths.js';

const gray28 = { height: 28, width: 28, channels: 1 } as const;
const work = mkdtempSync(join(tmpdir(), 'hx-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A 3-class support set (copied from the 5-way fixture) in a fresh folder. */
function threeClassSet(name: string): string {
  const dir = join(work, name);
  const fixture = supportFixture('glyphs-5way-1shot');
  for (const c of ['alphabet-01-character-01', 'alphabet-02-character-03', 'alphabet-03-character-05']) cpSync(join(fixture, c), join(dir, c), { recursive: true });
  return dir;
}

test('a support image that is a link to /dev/zero or /dev/urandom is refused as a character device', async () => {
  for (const device of ['/dev/zero', '/dev/urandom']) {
    const dir = threeClassSet(`device-${device.slice(5)}`);
    const link = join(dir, 'alphabet-01-character-01', 'x.png');
    symlinkSync(device, link);
    await assert.rejects(loadSupportSet(dir, gray28), hxError('E_NOT_A_FILE', link));
    await assert.rejects(loadSupportSet(dir, gray28), /character device/);
  }
});

test('a FIFO named like an image is refused, not waited on', async () => {
  const dir = threeClassSet('fifo');
  const fifo = join(dir, 'alphabet-02-character-03', 'x.png');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(loadSupportSet(dir, gray28), hxError('E_NOT_A_FILE', fifo));
});

test('a class folder whose name is not valid UTF-8 is an error naming its bytes, not a dropped class', async () => {
  const dir = threeClassSet('not-utf8');
  const bad = Buffer.concat([Buffer.from(dir + '/caf'), Buffer.from([0xe9, 0xff])]);
  mkdirSync(bad);
  copyFileSync(join(dir, 'alphabet-01-character-01', '00.png'), Buffer.concat([bad, Buffer.from('/00.png')]));
  await assert.rejects(loadSupportSet(dir, gray28), hxError('E_NAME_NOT_UTF8', 'caf\\xe9\\xff'));
});

test('a symbolic link loop where a class could be is an error naming it', async () => {
  const dir = threeClassSet('loop');
  symlinkSync('fourth', join(dir, 'fourth'));
  await assert.rejects(scanImageFolder(dir), hxError('E_BROKEN_LINK', join(dir, 'fourth')));
  await assert.rejects(loadSupportSet(dir, gray28), /symbolic link loop/);
});

test('a dangling link, as a class folder or inside one, is an error naming it and its target', async () => {
  const top = threeClassSet('dangling-class');
  symlinkSync(join(work, 'moved-away'), join(top, 'alphabet-04-character-07'));
  await assert.rejects(loadSupportSet(top, gray28), hxError('E_BROKEN_LINK', join(top, 'alphabet-04-character-07')));
  await assert.rejects(loadSupportSet(top, gray28), /moved-away/);
  const inner = threeClassSet('dangling-file');
  symlinkSync('gone.txt', join(inner, 'alphabet-01-character-01', 'notes'));
  await assert.rejects(loadSupportSet(inner, gray28), hxError('E_BROKEN_LINK', join(inner, 'alphabet-01-character-01', 'notes')));
});

test('hidden entries stay ignored, broken or not', async () => {
  const dir = threeClassSet('hidden');
  symlinkSync('nowhere', join(dir, '.cache'));
  mkdirSync(Buffer.concat([Buffer.from(join(dir, '.x')), Buffer.from([0xff])]));
  assert.deepEqual((await loadSupportSet(dir, gray28)).classNames, ['alphabet-01-character-01', 'alphabet-02-character-03', 'alphabet-03-character-05']);
});

/** A one-channel 32-bit float TIFF (uncompressed, one strip), little-endian. */
function floatTiff(width: number, height: number, samples: number[]): Buffer {
  const entries: [tag: number, type: 3 | 4, value: number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 32], // BitsPerSample
    [259, 3, 1], // no compression
    [262, 3, 1], // BlackIsZero
    [273, 4, 0], // StripOffsets, set below
    [277, 3, 1], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip
    [279, 4, width * height * 4], // StripByteCounts
    [339, 3, 3], // SampleFormat: IEEE float
  ];
  const dataOffset = 8 + 2 + entries.length * 12 + 4;
  const out = Buffer.alloc(dataOffset + width * height * 4);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(1, at + 4);
    const v = tag === 273 ? dataOffset : value;
    if (type === 3) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  samples.forEach((s, i) => out.writeFloatLE(s, dataOffset + i * 4));
  return out;
}

test('a float TIFF with samples in 0..1 decodes to 0..255, not black', async () => {
  const samples = Array.from({ length: 64 }, (_, i) => i / 63);
  const pixels = await decodeImageBytes(floatTiff(8, 8, samples), 'ramp.tif', { height: 8, width: 8, channels: 1 });
  pixels.forEach((p, i) => assert.ok(Math.abs(p - samples[i]! * 255) <= 1, `pixel ${i}: ${p}, expected ${samples[i]! * 255}`));
  const rgb = await decodeImageBytes(floatTiff(8, 8, samples), 'ramp.tif', { height: 8, width: 8, channels: 3 });
  assert.ok(Math.abs(rgb[63 * 3]! - 255) <= 1 && rgb[0] === 0, 'RGB too');
});

test('a float TIFF with samples outside 0..1 is refused naming the range', async () => {
  const samples = Array.from({ length: 64 }, (_, i) => i * 4);
  await assert.rejects(decodeImageBytes(floatTiff(8, 8, samples), 'hdr.tif', gray28), hxError('E_IMAGE_DECODE', 'hdr.tif'));
  await assert.rejects(decodeImageBytes(floatTiff(8, 8, samples), 'hdr.tif', gray28), /from 0 to 252.*0\.\.1/);
});
