import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
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
});
