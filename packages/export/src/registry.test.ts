import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HypertxError } from './errors.js';
import type { FormatPlugin } from './plugin.js';
import { FormatRegistry } from './registry.js';

const plugin = (id: string, description = id): FormatPlugin => ({
  id,
  description,
  extension: `.${id}`,
  write: async () => [],
});

test('register, get, list by priority then registration order', () => {
  const registry = new FormatRegistry();
  registry.register(plugin('onnx'));
  registry.register(plugin('tflite'), { priority: 5 });
  registry.register(plugin('c-array'));
  assert.deepEqual(registry.list().map((p) => p.id), ['tflite', 'onnx', 'c-array']);
  assert.equal(registry.get('onnx').id, 'onnx');
  assert.ok(registry.has('c-array'));
  assert.ok(registry.unregister('c-array'));
  assert.ok(!registry.has('c-array'));
});

test('unknown ids are a usage error that lists the known ids', () => {
  const registry = new FormatRegistry();
  assert.throws(() => registry.get('onnx'), /unknown format "onnx"; known formats: \(none registered\)/);
  registry.register(plugin('onnx'));
  registry.register(plugin('tflite'));
  assert.throws(
    () => registry.get('tfjs'),
    (err: unknown) => err instanceof HypertxError && err.kind === 'usage' && err.code === 'E_FORMAT_UNKNOWN' &&
      err.message === 'unknown format "tfjs"; known formats: onnx, tflite',
  );
});

test('a duplicate id needs a higher priority to replace the current plugin', () => {
  const registry = new FormatRegistry();
  const first = plugin('onnx', 'first');
  registry.register(first);
  registry.register(first); // the same object again is fine
  assert.throws(() => registry.register(plugin('onnx', 'second')), /already registered/);
  registry.register(plugin('onnx', 'lower'), { priority: -1 });
  assert.equal(registry.get('onnx').description, 'first');
  registry.register(plugin('onnx', 'higher'), { priority: 1 });
  assert.equal(registry.get('onnx').description, 'higher');
  assert.throws(() => registry.register({ id: '' } as FormatPlugin), /not a format plugin/);
});
