import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { isOwnTempFile, removeOwnTempFiles } from './interrupt-cleanup.js';

it('isOwnTempFile matches writeFileAtomic temporaries of this process only', () => {
  assert.equal(isOwnTempFile(`.m.onnx.${process.pid}.0a1b2c3d.tmp`), true);
  assert.equal(isOwnTempFile(`.m.onnx.${process.pid + 1}.0a1b2c3d.tmp`), false);
  assert.equal(isOwnTempFile(`m.onnx.${process.pid}.0a1b2c3d.tmp`), false, 'not hidden');
  assert.equal(isOwnTempFile(`.m.onnx.${process.pid}.0a1b2c3d`), false, 'no .tmp');
  assert.equal(isOwnTempFile('.m.onnx.12.x.tmp', 1), false, 'pid 1 is not part of 12');
});

it('removeOwnTempFiles deletes only our temporaries, and ignores folders that do not exist', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-cleanup-'));
  try {
    const ours = `.m.tflite.${process.pid}.deadbeef.tmp`;
    const theirs = `.m.tflite.${process.pid + 1}.deadbeef.tmp`;
    for (const name of [ours, theirs, 'm.onnx']) await writeFile(join(dir, name), 'x');
    assert.deepEqual(removeOwnTempFiles([dir, dir, join(dir, 'missing')]), [join(dir, ours)]);
    assert.deepEqual((await readdir(dir)).sort(), [theirs, 'm.onnx'].sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
