import assert from 'node:assert/strict';
import { test } from 'node:test';
import { train } from './train.js';

test('train: threads must be a whole number ≥ 1 (a usage error naming the value)', async () => {
  for (const threads of [0, 1.5, -2]) {
    await assert.rejects(train({ recipe: 'omniglot-ht-4ch', data: '/nonexistent', checkpointDir: '/nonexistent', threads }), (err: Error & { code?: string; kind?: string }) => {
      assert.equal(err.code, 'E_USAGE');
      assert.equal(err.kind, 'usage');
      assert.match(err.message, new RegExp(`threads .* got ${threads}`));
      return true;
    });
  }
});
