import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { holdOutGroups } from '../splits.js';
import { correlation, hxError, omniglotDir, omniglotSkip } from '../test-support/paths.js';
import { loadOmniglot, OMNIGLOT_VALIDATION_ALPHABETS } from './omniglot.js';

test('Omniglot 28×28: 964 classes in 30 alphabets, 20 images each, ink bright', { skip: omniglotSkip }, () => {
  const o = loadOmniglot(omniglotDir);
  assert.equal(o.classes.length, 964);
  assert.equal(o.alphabets.length, 30);
  assert.equal(new Set(o.classes.map((c) => c.group)).size, 30);
  assert.ok(o.classes.every((c) => c.imageCount === 20));
  assert.equal(o.classes[0]!.name, 'Alphabet_of_the_Magi/character01');
  const img = o.readImage(0, 0, { height: 28, width: 28 });
  assert.equal(img.length, 784);
  // Background 0 at the corners, some full ink somewhere.
  assert.equal(img[0], 0);
  assert.ok(Math.max(...img) > 200);
  // Images of one class are different drawings.
  assert.notDeepEqual(Array.from(o.readImage(0, 0, { height: 28, width: 28 })), Array.from(o.readImage(0, 1, { height: 28, width: 28 })));
});

test('the standard validation split holds out the last 5 alphabets in file order', { skip: omniglotSkip }, () => {
  const o = loadOmniglot(omniglotDir);
  assert.deepEqual(o.alphabets.slice(-5), [...OMNIGLOT_VALIDATION_ALPHABETS]);
  const { train, heldOut } = holdOutGroups(o, OMNIGLOT_VALIDATION_ALPHABETS);
  assert.equal(train.classes.length + heldOut.classes.length, 964);
  assert.deepEqual([...new Set(heldOut.classes.map((c) => c.group))], [...OMNIGLOT_VALIDATION_ALPHABETS]);
  assert.ok(train.classes.every((c) => !OMNIGLOT_VALIDATION_ALPHABETS.includes(c.group)));
});

test('the 105×105 binary images, area-averaged to 28×28, match the Lanczos 28×28 file', { skip: omniglotSkip }, () => {
  const small = loadOmniglot(omniglotDir);
  const big = loadOmniglot(omniglotDir, { variant: '105x105' });
  assert.equal(big.classes.length, 964);
  const native = big.readImage(5, 3, { height: 105, width: 105 });
  assert.equal(native.length, 105 * 105);
  assert.ok(native.every((v) => v === 0 || v === 255));
  for (const [c, i] of [[0, 0], [500, 7], [963, 19]] as const) {
    const a = big.readImage(c, i, { height: 28, width: 28 });
    const b = small.readImage(c, i, { height: 28, width: 28 });
    assert.ok(correlation(a, b) > 0.9, `class ${c} image ${i}: correlation ${correlation(a, b)}`);
  }
  // Resizing the 28×28 file to another size works too and is cached (same object back).
  const r1 = small.readImage(1, 1, { height: 32, width: 32 });
  assert.equal(r1.length, 1024);
  assert.equal(small.readImage(1, 1, { height: 32, width: 32 }), r1);
});

test('a missing folder or a truncated file is a typed error naming it', { skip: omniglotSkip }, () => {
  assert.throws(() => loadOmniglot(join(omniglotDir, 'nope')), hxError('E_NOT_FOUND', 'nope'));
  const dir = mkdtempSync(join(tmpdir(), 'hx-omni-'));
  try {
    copyFileSync(join(omniglotDir, 'index.json'), join(dir, 'index.json'));
    writeFileSync(join(dir, 'images_28x28_u8.bin'), new Uint8Array(784 * 3));
    assert.throws(() => loadOmniglot(dir), hxError('E_DATASET_FORMAT', 'images_28x28_u8.bin', '2352'));
    assert.throws(() => loadOmniglot(dir, { variant: '105x105' }), hxError('E_NOT_FOUND', 'images_105x105_1bit.bin'));
    writeFileSync(join(dir, 'index.json'), '{"characters": 3');
    assert.throws(() => loadOmniglot(dir), hxError('E_DATASET_FORMAT', 'index.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
