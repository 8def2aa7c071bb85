import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeBackend, initBackend } from './backend.js';

test('an explicit unavailable backend gives one error naming it and why', async () => {
  await assert.rejects(initBackend('gpu'), (e: Error & { code?: string }) => e.code === 'E_BACKEND_UNAVAILABLE' && /\[gpu\].*not installed/.test(e.message));
});

test('auto falls back past the native backends to wasm and says why; webgpu is tried for training only', async () => {
  const plain = await initBackend('auto');
  assert.equal(plain.tfBackend, 'wasm');
  assert.deepEqual(plain.skipped.map((s) => s.name), ['gpu', 'node']);
  const info = await initBackend('auto', { training: true });
  assert.equal(info.tfBackend, 'wasm');
  assert.deepEqual(info.skipped.map((s) => s.name), ['webgpu', 'gpu', 'node']);
  assert.match(info.skipped[0]!.reason, /no Vulkan loader|no WebGPU adapter|adapter is software/);
  assert.ok(info.skipped.slice(1).every((s) => /not installed/.test(s.reason)));
  assert.equal(describeBackend(info), 'wasm');
});

test('an unknown backend name is a usage error', async () => {
  await assert.rejects(initBackend('tpu' as never), { code: 'E_BACKEND_UNKNOWN' });
});
