import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend, loadCheckpoint, saveCheckpoint, type TrainState } from '@hypertx/core';
import { isHypertxError } from '@hypertx/export';
import { resolveModel } from '../models.js';
import { addBnPrior } from './add-bn-prior.js';

describe('addBnPrior with statistics: keep', () => {
  let dir: string;
  let bundled: TrainState;

  before(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'hypertx-bn-prior-'));
    bundled = await loadCheckpoint(resolveModel('default'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('changes only the weight of the model’s own prior; everything else is written back as it was', async () => {
    const out = join(dir, 'reweighted.hxmodel');
    const weight = bundled.bnPrior!.weight + 7;
    const result = await addBnPrior({ model: 'default', out, weight, statistics: 'keep' });
    assert.equal(result.out, out);
    const written = await loadCheckpoint(out);
    assert.equal(written.bnPrior!.weight, weight);
    assert.deepEqual(written.bnPrior!.mean, bundled.bnPrior!.mean);
    assert.deepEqual(written.bnPrior!.variance, bundled.bnPrior!.variance);
    assert.deepEqual(written.metadata, bundled.metadata, 'metadata (the support-shift fill) is kept');
    assert.deepEqual(written.params, bundled.params);
  });

  it('a model without a prior is an input error that names the file', async () => {
    const bare = join(dir, 'no-prior.hxmodel');
    await saveCheckpoint(bare, { ...bundled, bnPrior: undefined });
    await assert.rejects(
      addBnPrior({ model: bare, out: join(dir, 'never.hxmodel'), statistics: 'keep' }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_NO_BN_PRIOR' && err.kind === 'input' && err.message.includes(bare),
    );
  });

  it('estimating statistics, or a sweep, without data is a usage error', async () => {
    await assert.rejects(addBnPrior({ model: 'default', out: join(dir, 'x.hxmodel') }), (err: unknown) => isHypertxError(err) && err.code === 'E_USAGE' && /needs data/.test(err.message));
    await assert.rejects(
      addBnPrior({ model: 'default', sweep: { weights: [30] }, statistics: 'keep' }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_USAGE' && /a sweep needs data/.test(err.message),
    );
  });
});
