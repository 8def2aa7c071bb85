import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createStagingFolder, discardOwnStaging, removeStagingFolder } from './staging-folder.js';

/** Runs `fn` while each listing of `folder` is followed by a new staged file in it (once). */
function withLateFile<T>(folder: string, fn: () => T): T {
  const readdirSync = fs.readdirSync;
  let once = false;
  fs.readdirSync = ((dir: fs.PathLike, ...rest: unknown[]) => {
    const names = (readdirSync as (...a: unknown[]) => string[])(dir, ...rest);
    if (String(dir) === folder && !once) {
      once = true;
      fs.writeFileSync(join(folder, '7'), 'a write that was in flight on another thread');
    }
    return names;
  }) as typeof fs.readdirSync;
  syncBuiltinESMExports();
  try {
    return fn();
  } finally {
    fs.readdirSync = readdirSync;
    syncBuiltinESMExports();
  }
}

it('a staged file created while the folder is being removed (a write still in flight when a signal came) goes too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-staging-'));
  try {
    const folder = createStagingFolder(dir);
    await writeFile(join(folder, '0'), 'x');
    assert.deepEqual(withLateFile(folder, () => discardOwnStaging()), [folder]);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('a file hypertx did not write keeps the folder (and is not waited for long)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-staging-'));
  try {
    const folder = createStagingFolder(dir);
    await writeFile(join(folder, '0'), 'x');
    await writeFile(join(folder, 'notes.txt'), 'x');
    assert.equal(removeStagingFolder(folder), false);
    assert.deepEqual(await readdir(folder), ['notes.txt']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
