import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { CHECKPOINT_VERSION, decodeCheckpoint } from '@hypertx/core';
import { bundledModelPath, bundledModels, resolveModel } from './models.js';

describe('bundled models', () => {
  it('ships default, omniglot-4ch and omniglot-16ch beside dist/', () => {
    assert.deepEqual(bundledModels(), ['default', 'omniglot-16ch', 'omniglot-4ch']);
    assert.ok(existsSync(bundledModelPath('default')!));
  });

  it('a name is looked up among them, a path is taken as it is, anything else names the bundled models', () => {
    assert.equal(resolveModel('default'), bundledModelPath('default'));
    assert.equal(bundledModelPath('models/default'), undefined, 'a path is not a name');
    assert.throws(
      () => resolveModel('no-such-model'),
      (err: unknown) => isHypertxError(err) && err.code === 'E_MODEL_NOT_FOUND' && err.kind === 'input' && (err.hint ?? '').includes('default, omniglot-16ch, omniglot-4ch'),
    );
  });

  it('each is a current checkpoint whose checksum verifies', () => {
    for (const name of bundledModels()) {
      const bytes = new Uint8Array(readFileSync(bundledModelPath(name)!));
      const version = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))))).version;
      assert.equal(version, CHECKPOINT_VERSION, `${name} was saved before checksums: run \`hypertx upgrade\` on it`);
      assert.equal(decodeCheckpoint(bytes, name).kind, 'hypertransformer');
    }
  });
});
