import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeCheckpoint } from '@hypertx/core';
import { isHypertxError } from '@hypertx/export';
import { splitContainer, unsealed } from '@hypertx/export/testing';
import { bundledModelPath } from '../models.js';
import { inspectFile } from '../inspect.js';
import { upgradeModelFile } from './upgrade-model-file.js';

/** The bundled default as an older hypertx wrote it: version 1, no checksum. */
async function versionOneDefault(): Promise<Uint8Array> {
  const { header, data } = splitContainer(new Uint8Array(await readFile(bundledModelPath('default')!)));
  const { sha256: _digest, ...rest } = header;
  return unsealed({ ...rest, version: 1 }, data);
}

describe('upgradeModelFile', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hypertx-upgrade-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('a version 1 file is refused by inspect (exit 3) and upgraded to the very same tensors', async () => {
    const old = join(work, 'old.hxmodel');
    await writeFile(old, await versionOneDefault());
    await assert.rejects(inspectFile(old), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.code === 'E_CHECKPOINT_VERSION' && err.message.startsWith(old));
    const copy = join(work, 'new.hxmodel');
    assert.deepEqual(await upgradeModelFile(old, { output: copy }), { path: old, output: copy, upgraded: true, bytes: (await readFile(bundledModelPath('default')!)).length });
    const upgraded = new Uint8Array(await readFile(copy));
    const bundled = new Uint8Array(await readFile(bundledModelPath('default')!));
    assert.deepEqual(decodeCheckpoint(upgraded), decodeCheckpoint(bundled));
    assert.deepEqual(splitContainer(upgraded).data, splitContainer(bundled).data);
    assert.equal((await upgradeModelFile(old)).upgraded, true, 'in place');
    assert.equal((await upgradeModelFile(old)).upgraded, false, 'a second time: nothing to do');
    assert.deepEqual((await readdir(work)).sort(), ['new.hxmodel', 'old.hxmodel'], 'no temporary files');
  });

  it('a damaged version 1 file is refused and left as it was', async () => {
    const file = join(work, 'damaged.hxmodel');
    const old = await versionOneDefault();
    const damaged = Buffer.concat([old, Buffer.from([1])]);
    await writeFile(file, damaged);
    await assert.rejects(upgradeModelFile(file), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.message.startsWith(file));
    assert.deepEqual(await readFile(file), damaged);
    await assert.rejects(upgradeModelFile(join(work, 'missing.hxmodel')), { code: 'E_NOT_FOUND' });
  });
});
