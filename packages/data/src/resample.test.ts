import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resizeImage, rotate90 } from './resample.js';

test('area averaging: 4×4 → 2×2 takes block means, 3→2 weights by coverage', () => {
  const src = Uint8Array.from([0, 4, 8, 8, 4, 0, 8, 8, 100, 100, 0, 0, 100, 100, 0, 40]);
  const out = resizeImage(src, { height: 4, width: 4 }, { height: 2, width: 2 }, 1);
  assert.deepEqual(Array.from(out), [2, 8, 100, 10]);
  // 1-D 3 → 2: output 0 covers [0, 1.5): (a + b/2)/1.5.
  const row = resizeImage(Uint8Array.from([30, 60, 90]), { height: 1, width: 3 }, { height: 1, width: 2 }, 1);
  assert.ok(Math.abs(row[0]! - (30 + 30) / 1.5) < 1e-4);
  assert.ok(Math.abs(row[1]! - (30 + 90) / 1.5) < 1e-4);
});

test('resizing keeps a constant image constant (down, up, mixed, RGB)', () => {
  const src = new Uint8Array(7 * 5 * 3).fill(77);
  for (const to of [{ height: 3, width: 2 }, { height: 20, width: 11 }, { height: 2, width: 9 }]) {
    const out = resizeImage(src, { height: 7, width: 5 }, to, 3);
    assert.equal(out.length, to.height * to.width * 3);
    for (const v of out) assert.ok(Math.abs(v - 77) < 1e-3);
  }
});

test('area down-scaling preserves the mean (ink mass)', () => {
  const src = Uint8Array.from({ length: 105 * 105 }, (_, i) => ((i * 7919) % 13 === 0 ? 255 : 0));
  const out = resizeImage(src, { height: 105, width: 105 }, { height: 28, width: 28 }, 1);
  const mean = (a: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    return s / a.length;
  };
  assert.ok(Math.abs(mean(src) - mean(out)) < 0.01);
});

test('bilinear up-scaling interpolates between pixel centres', () => {
  const out = resizeImage(Uint8Array.from([0, 100]), { height: 1, width: 2 }, { height: 1, width: 4 }, 1);
  assert.deepEqual(Array.from(out, (v) => Math.round(v)), [0, 25, 75, 100]);
});

test('rotate90 turns counter-clockwise like numpy.rot90, and four turns are the identity', () => {
  // [[1, 2, 3], [4, 5, 6]] → rot90 → [[3, 6], [2, 5], [1, 4]]
  const src = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const once = rotate90(src, { height: 2, width: 3 }, 1, 1);
  assert.deepEqual(once.size, { height: 3, width: 2 });
  assert.deepEqual(Array.from(once.pixels), [3, 6, 2, 5, 1, 4]);
  assert.deepEqual(Array.from(rotate90(src, { height: 2, width: 3 }, 1, 2).pixels), [6, 5, 4, 3, 2, 1]);
  let img = { pixels: src as Uint8Array | Float32Array, size: { height: 2, width: 3 } };
  for (let i = 0; i < 4; i++) img = rotate90(img.pixels, img.size, 1, 1);
  assert.deepEqual(Array.from(img.pixels), Array.from(src));
  assert.deepEqual(Array.from(rotate90(src, { height: 2, width: 3 }, 1, 3).pixels), [4, 1, 5, 2, 6, 3]);
});
