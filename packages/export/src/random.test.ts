import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSeed, hashSeed, Random } from './random.js';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Random(42), b = new Random(42), c = new Random(43);
  const sa = Array.from({ length: 50 }, () => a.nextUint32());
  assert.deepEqual(sa, Array.from({ length: 50 }, () => b.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 50 }, () => c.nextUint32()));
  assert.notEqual(hashSeed('alpha'), hashSeed('beta'));
  assert.equal(new Random('x').next(), new Random('x').next());
});

test('int(n) stays in range and is roughly uniform', () => {
  const r = new Random(7);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) counts[r.int(10)]++;
  for (const c of counts) assert.ok(c > 1800 && c < 2200, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const v = r.range(3, 5);
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v));
  }
  assert.throws(() => r.int(0), RangeError);
});

test('sample(n, k) gives k distinct values below n; shuffle is a permutation', () => {
  const r = new Random(1);
  for (let t = 0; t < 100; t++) {
    const s = r.sample(20, 7);
    assert.equal(new Set(s).size, 7);
    assert.ok(s.every((v) => v >= 0 && v < 20));
  }
  const items = Array.from({ length: 30 }, (_, i) => i);
  const shuffled = r.shuffle([...items]);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
  assert.throws(() => r.sample(3, 4), RangeError);
});

test('deriveSeed depends on every part and their order', () => {
  assert.notEqual(deriveSeed(1, 2), deriveSeed(2, 1));
  assert.notEqual(deriveSeed(1, 2), deriveSeed(1, 3));
  assert.equal(deriveSeed(5, 6, 7), deriveSeed(5, 6, 7));
});
