import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTrainingThreads, train } from './train.js';

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

test('train: by default one thread per core on wasm and cpu, at most the episodes of a step; one elsewhere', () => {
  const recipe = { episodes: { ways: 5, shots: 1, unlabeled: 0, queries: 3, perStep: 8 } };
  assert.equal(defaultTrainingThreads('wasm', recipe, 2), 2);
  assert.equal(defaultTrainingThreads('cpu', recipe, 16), 8, 'no more threads than episodes per step');
  assert.equal(defaultTrainingThreads('wasm', recipe, 1), 1);
  assert.equal(defaultTrainingThreads('tensorflow', recipe, 16), 1, 'tfjs-node spreads one thread over the cores itself');
  assert.equal(defaultTrainingThreads('webgpu', recipe, 16), 1, 'a GPU takes no worker threads');
  assert.equal(defaultTrainingThreads(undefined, recipe, 16), 1);
});
