// CompilePool.ready(): settles on whether every thread could load its model.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { CompilePool } from './compile-pool.js';

describe('CompilePool.ready', () => {
  it('resolves once the bundled model is loaded', { timeout: 120_000 }, async () => {
    const pool = new CompilePool({ threads: 1 });
    try {
      await pool.ready();
    } finally {
      await pool.close();
    }
  });

  it('rejects with the typed load error naming a damaged model file; a set sent anyway fails with it', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertx-pool-test-'));
    const model = join(dir, 'damaged.hxmodel');
    await writeFile(model, 'not a model');
    const pool = new CompilePool({ model, threads: 1 });
    try {
      const err = await pool.ready().then(() => undefined, (e: unknown) => e);
      assert.ok(isHypertxError(err), `a HypertxError, got ${String(err)}`);
      assert.equal(err.kind, 'input');
      assert.match(err.message, /damaged\.hxmodel/);
      const reply = await pool.compile({ name: 'x', images: [], unlabeled: [] }, { formats: ['onnx'] });
      assert.equal(reply.ok, false);
      if (!reply.ok) assert.equal(reply.error.code, err.code);
    } finally {
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
