import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from './backend.js';

test('an explicit unavailable backend gives one error naming it and why', async () => {
  await assert.rejects(initBackend('gpu'), (e: Error & { code?: string }) => e.code === 'E_BACKEND_UNAVAILABLE' && /\[gpu\].*not installed/.test(e.message));
});

test('auto falls back past the native backends to wasm and says why', async () => {
  const info = await initBackend('auto');
  assert.equal(info.tfBackend, 'wasm');
  assert.deepEqual(info.skipped.map((s) => s.name), ['gpu', 'node']);
  assert.ok(info.skipped.every((s) => /not installed/.test(s.reason)));
});

test('an unknown backend name is a usage error', async () => {
  await assert.rejects(initBackend('tpu' as never), { code: 'E_BACKEND_UNKNOWN' });
});
