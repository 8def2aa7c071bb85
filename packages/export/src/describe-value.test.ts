import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeValue } from './describe-value.js';

test('plain values read as they are written; strings are quoted with control characters escaped', () => {
  assert.equal(describeValue(0), '0');
  assert.equal(describeValue(Number.NaN), 'NaN');
  assert.equal(describeValue(undefined), 'undefined');
  assert.equal(describeValue(null), 'null');
  assert.equal(describeValue('same'), '"same"');
  assert.equal(describeValue('\u001b[2Jx'), '"\\u001b[2Jx"');
  assert.equal(describeValue('a\u009b1m\u007f'), '"a\\u009b1m\\u007f"');
  assert.equal(describeValue([3, 3, 1, 8]), '[3,3,1,8]');
  assert.equal(describeValue({ a: 1 }), '{"a":1}');
});

test('deep, long and wide values come out short, without overflowing the stack', () => {
  let deep: unknown[] = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(describeValue(deep), '[[[…1]]]');
  assert.equal(describeValue('x'.repeat(2_000_000)), `"${'x'.repeat(60)}"… (2000000 characters)`);
  assert.equal(describeValue(Array.from({ length: 100_000 }, (_, i) => i)), '[0,1,2,3,4,5,… 99994 more]');
  assert.ok(describeValue(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, 'v'.repeat(100)]))).length <= 160);
});
