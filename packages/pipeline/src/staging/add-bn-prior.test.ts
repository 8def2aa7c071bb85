import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
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

  it('a training checkpoint written as .hxmodel keeps the weights alone; as .hxckpt, the whole training state', async () => {
    const slots = { m: new Float32Array(bundled.params.length).fill(0.5), v: new Float32Array(bundled.params.length).fill(0.25) };
    const { step: _bundledStep, ...metadata } = bundled.metadata ?? {};
    const training: TrainState = { ...bundled, step: 500, rng: { seed: 3 }, optimizer: { name: 'adam', hyper: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, t: 500, slots }, metadata };
    const ckpt = join(dir, 'training.hxckpt');
    await saveCheckpoint(ckpt, training);

    await addBnPrior({ model: ckpt, out: join(dir, 'model.hxmodel'), statistics: 'keep', weight: 100 });
    const model = await loadCheckpoint(join(dir, 'model.hxmodel'));
    assert.equal(model.optimizer, null);
    assert.equal(model.metadata!.step, '500', 'the step the weights come from stays in the metadata');
    assert.deepEqual(model.params, training.params);
    assert.ok((await stat(join(dir, 'model.hxmodel'))).size < (await stat(ckpt)).size / 2, 'no optimizer moments in the model file');

    await addBnPrior({ model: ckpt, out: join(dir, 'resumable.hxckpt'), statistics: 'keep', weight: 100 });
    const resumable = await loadCheckpoint(join(dir, 'resumable.hxckpt'));
    assert.equal(resumable.step, 500);
    assert.deepEqual(resumable.optimizer!.slots.m, slots.m);
    assert.equal(resumable.bnPrior!.weight, 100);
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
