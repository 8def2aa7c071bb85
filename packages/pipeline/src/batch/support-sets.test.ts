import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listSupportSets, readSupportSet, supportSetKey, type CompileSettings } from './support-sets.js';

const fixture = resolve(fileURLToPath(import.meta.url), '../../../../../fixtures/support/glyphs-5way-1shot');
const work = mkdtempSync(join(tmpdir(), 'hx-sets-'));
after(() => rmSync(work, { recursive: true, force: true }));

const settings: CompileSettings = { modelId: 'm', formats: ['hxcnn'], ink: 'auto', levels: 'auto', selfLabel: true };

test('a set key covers class names: the same images under a renamed class give another key', async () => {
  const set = await readSupportSet({ name: 's', folder: fixture });
  const renamed = { ...set, images: set.images.map((image, i) => (i === 0 ? { ...image, label: 'renamed' } : image)) };
  assert.equal(supportSetKey(set, settings), supportSetKey(await readSupportSet({ name: 's', folder: fixture }), settings));
  assert.notEqual(supportSetKey(renamed, settings), supportSetKey(set, settings));
});

test('a batch folder: a linked set folder is a set; a dangling link is an error naming it, not a set dropped', async () => {
  const batch = join(work, 'batch');
  cpSync(fixture, join(batch, 'one'), { recursive: true });
  symlinkSync(fixture, join(batch, 'two'));
  assert.deepEqual((await listSupportSets(batch)).map((s) => s.name), ['one', 'two']);
  symlinkSync(join(work, 'moved-away'), join(batch, 'three'));
  await assert.rejects(listSupportSets(batch), (err: Error & { code?: string }) => err.code === 'E_BROKEN_LINK' && err.message.includes(join(batch, 'three')));
});

test('a manifest that is a FIFO is refused, not waited on', async () => {
  const manifest = join(work, 'sets.jsonl');
  execFileSync('mkfifo', [manifest]);
  await assert.rejects(listSupportSets(manifest), (err: Error & { code?: string }) => err.code === 'E_NOT_A_FILE' && err.message.includes(manifest));
});
