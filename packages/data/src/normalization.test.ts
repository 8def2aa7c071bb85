import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denormalizePixels, expandNormalization, foldInversion, normalizePixels, OMNIGLOT_NORMALIZATION, perChannel } from './normalization.js';
import type { PixelNormalization } from './types.js';
import { hxError } from './test-support/paths.js';

test('OMNIGLOT_NORMALIZATION is x/128 - 1', () => {
  assert.deepEqual(Array.from(normalizePixels(Uint8Array.from([0, 128, 255]), 1, OMNIGLOT_NORMALIZATION)), [-1, 0, 127 / 128]);
  assert.deepEqual(perChannel(OMNIGLOT_NORMALIZATION, 3).scale, [1 / 128, 1 / 128, 1 / 128]);
});

test('foldInversion(n)(p) equals n(255 - p) for every channel', () => {
  const base = { scale: [1 / 128, 1 / 64, 1 / 255], offset: [-1, -2, 0] };
  const folded = foldInversion(base, 3);
  for (const p of [0, 1, 100, 254, 255]) {
    for (let c = 0; c < 3; c++) {
      const direct = (255 - p) * base.scale[c]! + base.offset[c]!;
      assert.ok(Math.abs(p * folded.scale[c]! + folded.offset[c]! - direct) < 1e-12);
    }
  }
  const omni = foldInversion(OMNIGLOT_NORMALIZATION, 1);
  assert.deepEqual(omni.scale, [-1 / 128]);
  assert.deepEqual(omni.offset, [255 / 128 - 1]);
});

test('bad normalisations are usage errors naming the field', () => {
  assert.throws(() => expandNormalization({ scale: [1, 2], offset: [0] }, 3), hxError('E_INVALID_OPTION', 'scale'));
  assert.throws(() => expandNormalization({ scale: [1], offset: [NaN] }, 1), hxError('E_INVALID_OPTION', 'offset'));
});

test('denormalizePixels gives back the raw pixels, per channel, for plain and inverted normalisations', () => {
  const raw = Uint8Array.from([0, 17, 128, 200, 254, 255]);
  const rgb: PixelNormalization = { scale: [1 / 128, -1 / 100, 0.5 / 255], offset: [-1, 2, 0.1], description: 'rgb' };
  for (const [channels, norm] of [[1, OMNIGLOT_NORMALIZATION], [1, foldInversion(OMNIGLOT_NORMALIZATION, 1)], [3, rgb]] as const) {
    const back = denormalizePixels(normalizePixels(raw, channels, norm), channels, norm);
    assert.deepEqual(Array.from(back), Array.from(raw), `${channels} channel(s), ${norm.description}`);
  }
});
