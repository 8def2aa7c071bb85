/**
 * Output sets are all or nothing: a failed write (full disk, quota, read-only, permissions), a
 * failed rename, a process killed at any rename and concurrent writers leave one whole set, old or
 * new, and the next run removes what a dead writer left. Kills and faults happen in child processes
 * (test-support/publish-faults.js wraps node:fs there); the full disk is a real tmpfs when this
 * process may mount one (root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statfsSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { isHypertxError } from '@hypertx/export';
import { LOCK_NAME, withFolderLock } from './folder-lock.js';
import { recoverOutputFolder } from './recover-outputs.js';
import { writeOutputSet, type OutputFile } from './write-output-set.js';

const here = dirname(fileURLToPath(import.meta.url));
const faults = resolve(here, '../test-support/publish-faults.js');
const writerModule = pathToFileURL(resolve(here, 'write-output-set.js')).href;

const NAMES = ['m.onnx', 'm.tflite', 'm_int8.tflite', 'm_int8.cc', 'm_int8.h'];
/** A set of files whose content names the set, so a mix is visible. */
const set = (tag: string, names = NAMES): OutputFile[] => names.map((name) => ({ name, bytes: new TextEncoder().encode(`${tag}:${name}\n`.repeat(50)) }));

/** `A:m.onnx ×50`: which set a file's content is from (a truncated file shows a lower count). */
const summary = (content: string) => `${content.split('\n')[0]} ×${content.split('\n').length - 1}`;
const text = (files: OutputFile[]) => Object.fromEntries(files.map((f) => [f.name, summary(new TextDecoder().decode(f.bytes))]));

/** Name → summary of every entry in `dir` (hidden ones too; a folder shows as "<folder>"). */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) out[e.name] = e.isDirectory() ? '<folder>' : summary(await readFile(join(dir, e.name), 'utf8'));
  return out;
}

/** Runs writeOutputSet(dir, files) in a child process with the faults in `env`. */
function writeInChild(dir: string, files: OutputFile[], env: Record<string, string>) {
  const payload = JSON.stringify(files.map((f) => ({ name: f.name, text: new TextDecoder().decode(f.bytes) })));
  const code = `import { writeOutputSet } from ${JSON.stringify(writerModule)};
    const files = JSON.parse(process.env.FILES).map((f) => ({ name: f.name, bytes: new TextEncoder().encode(f.text) }));
    try { await writeOutputSet(process.env.DIR, files); } catch (err) { console.error(JSON.stringify({ code: err.code, kind: err.kind, message: err.message, hint: err.hint })); process.exit(3); }`;
  return spawnSync(process.execPath, ['--import', pathToFileURL(faults).href, '--input-type=module', '-e', code], {
    env: { ...process.env, ...env, DIR: dir, FILES: payload },
    encoding: 'utf8',
  });
}

/** A pid no process has now (a child that has exited). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

let work: string;
let n = 0;
const freshDir = async () => {
  const dir = join(work, `out-${n++}`);
  await mkdir(dir);
  return dir;
};
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'hypertx-output-set-'));
});
after(() => rm(work, { recursive: true, force: true }));

describe('writeOutputSet', () => {
  it('writes every file and nothing else; a second set replaces the first whole', async () => {
    const dir = join(await freshDir(), 'new', 'level');
    await writeOutputSet(dir, set('A'));
    assert.deepEqual(await contents(dir), text(set('A')));
    await writeOutputSet(dir, set('B'));
    assert.deepEqual(await contents(dir), text(set('B')));
  });

  it('leaves files of other names alone', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeOutputSet(dir, set('A', ['m.onnx']));
    assert.deepEqual(await contents(dir), { 'notes.txt': 'mine ×0', ...text(set('A', ['m.onnx'])) });
  });

  it('writes a file whose name is 255 bytes long (the staged copy has a short name)', async () => {
    const dir = await freshDir();
    const name = 'x'.repeat(250) + '.onnx';
    await writeOutputSet(dir, set('A', [name]));
    assert.deepEqual(await readdir(dir), [name]);
  });

  for (const code of ['ENOSPC', 'EDQUOT', 'EACCES', 'EROFS']) {
    it(`${code} while staging: an input error naming the file, the earlier set untouched, nothing left behind`, async () => {
      const dir = await freshDir();
      await writeOutputSet(dir, set('A'));
      const r = writeInChild(dir, set('B'), { HYPERTX_FAULT_STAGE_ERROR: code });
      assert.equal(r.status, 3, r.stderr);
      const err = JSON.parse(r.stderr.trim().split('\n').pop()!) as { kind: string; message: string; hint?: string };
      assert.equal(err.kind, 'input');
      assert.ok(err.message.includes(join(dir, 'm.tflite')) && err.message.includes(`(${code})`), err.message);
      if (code !== 'EACCES') assert.doesNotMatch(err.hint ?? '', /permission/i);
      assert.deepEqual(await contents(dir), text(set('A')));
    });
  }

  it('a rename into place that fails puts back the files it had replaced and removes the new ones', async () => {
    const dir = await freshDir();
    await writeOutputSet(dir, set('A', NAMES.slice(0, 3)));
    // B adds two names A did not have; the 5th rename fails.
    const r = writeInChild(dir, set('B'), { HYPERTX_FAULT_FAIL_AT_RENAME: '5' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /m_int8\.h.*\(EIO\); the earlier files are back as they were/);
    assert.deepEqual(await contents(dir), text(set('A', NAMES.slice(0, 3))));
  });

  it('a folder in the way of a file is an error naming it, before anything changed', async () => {
    const dir = await freshDir();
    await writeOutputSet(dir, set('A', ['m.onnx']));
    await mkdir(join(dir, 'm.tflite'));
    await assert.rejects(writeOutputSet(dir, set('B', ['m.onnx', 'm.tflite'])), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.message.includes(join(dir, 'm.tflite')));
    assert.deepEqual(await contents(dir), { ...text(set('A', ['m.onnx'])), 'm.tflite': '<folder>' });
  });
});

describe('a writer killed (SIGKILL) at any point: the next run makes the set whole again', () => {
  for (let k = 1; k <= NAMES.length; k++) {
    it(`killed before rename ${k} of ${NAMES.length}: rolled forward to the new set`, async () => {
      const dir = await freshDir();
      await writeOutputSet(dir, set('A'));
      const r = writeInChild(dir, set('B'), { HYPERTX_FAULT_KILL_AT_RENAME: String(k) });
      assert.equal(r.signal, 'SIGKILL', r.stderr);
      const left = await contents(dir);
      assert.equal(NAMES.filter((name) => left[name] === text(set('B'))[name]).length, k - 1, 'the kill came mid-publish');
      const recovered = await recoverOutputFolder(dir);
      assert.ok(recovered.some((x) => x.action === 'rolled forward'), JSON.stringify(recovered));
      assert.deepEqual(await contents(dir), text(set('B')));
    });
  }

  it('killed while undoing a failed rename: rolled back to the old set', async () => {
    const dir = await freshDir();
    await writeOutputSet(dir, set('A', NAMES.slice(0, 3)));
    // renames 1-3 publish, the 4th fails, rollback starts: killed at its 2nd rename back (rename 5 overall).
    const r = writeInChild(dir, set('B'), { HYPERTX_FAULT_FAIL_AT_RENAME: '4', HYPERTX_FAULT_KILL_AT_RENAME: '6' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const recovered = await recoverOutputFolder(dir);
    assert.ok(recovered.some((x) => x.action === 'rolled back'), JSON.stringify(recovered));
    assert.deepEqual(await contents(dir), text(set('A', NAMES.slice(0, 3))));
  });

  it('killed while staging (before the commit): the old set stays, the staging folder goes', async () => {
    const dir = await freshDir();
    await writeOutputSet(dir, set('A'));
    const staging = join(dir, `.hypertx-${deadPid()}-0123abcd`);
    mkdirSync(staging);
    writeFileSync(join(staging, '0'), 'half a model');
    const recovered = await recoverOutputFolder(dir);
    assert.deepEqual(recovered, [{ path: staging, action: 'removed' }]);
    assert.deepEqual(await contents(dir), text(set('A')));
  });

  it('a new write also recovers first, and takes over the lock the dead writer held', async () => {
    const dir = await freshDir();
    await writeOutputSet(dir, set('A'));
    assert.equal(writeInChild(dir, set('B'), { HYPERTX_FAULT_KILL_AT_RENAME: '3' }).signal, 'SIGKILL');
    assert.ok(readdirSync(dir).includes(LOCK_NAME), 'the dead writer held the lock');
    await writeOutputSet(dir, set('C', ['m.onnx']));
    // B was rolled forward under the lock, then C replaced its one file.
    assert.deepEqual(await contents(dir), { ...text(set('B')), ...text(set('C', ['m.onnx'])) });
  });
});

describe('what recovery removes, and what it leaves', () => {
  it("removes earlier versions' temporaries of dead processes; keeps live ones' and anything not hypertx's", async () => {
    const dir = await freshDir();
    const dead = deadPid();
    const keep = [
      `.m.onnx.${process.pid}.0123abcd.tmp`, // a live process's write in flight
      `.notes.txt.${dead}.0123abcd.tmp`, // not an output name
      `m.onnx.${dead}.0123abcd.tmp`, // not hidden
      '.hypertx-foreign', // not a staging folder name
    ];
    for (const name of keep) await writeFile(join(dir, name), 'x');
    await writeFile(join(dir, `.m_int8.cc.${dead}.0123abcd.tmp`), 'x');
    await writeFile(join(dir, `.hypertx-set.json.${dead}.0123abcd.tmp`), 'x');
    // A dead process's staging folder with a file hypertx does not write there: its own files go, the folder stays.
    const staging = join(dir, `.hypertx-${dead}-0123abcd`);
    await mkdir(staging);
    await writeFile(join(staging, '0'), 'x');
    await writeFile(join(staging, 'yours.txt'), 'x');
    await recoverOutputFolder(dir);
    assert.deepEqual((await readdir(dir)).sort(), [...keep, `.hypertx-${dead}-0123abcd`].sort());
    assert.deepEqual(await readdir(staging), ['yours.txt']);
  });

  it("leaves a live process's staging folder alone (it is still writing)", async () => {
    const dir = await freshDir();
    const live = join(dir, `.hypertx-${process.ppid}-0123abcd`);
    await mkdir(live);
    await writeFile(join(live, '0'), 'x');
    assert.deepEqual(await recoverOutputFolder(dir), []);
    assert.deepEqual(await readdir(live), ['0']);
  });

  it('a journal naming a path outside its folder is not followed', async () => {
    const dir = await freshDir();
    const staging = join(dir, `.hypertx-${deadPid()}-0123abcd`);
    await mkdir(staging);
    await writeFile(join(staging, '0'), 'evil');
    await writeFile(join(staging, 'publish.json'), JSON.stringify({ format: 'hypertx-output-set', version: 1, pid: 1, files: [{ staged: '0', target: '../escaped', hadOld: false }] }));
    await recoverOutputFolder(dir);
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(await readdir(work).then((names) => names.includes('escaped')), false);
  });
});

describe('the folder lock', () => {
  it('waits for a live holder and names it when it gives up', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, LOCK_NAME), JSON.stringify({ pid: process.ppid, token: 'x' }));
    await assert.rejects(withFolderLock(dir, () => 1, { timeoutMs: 50 }), (err: unknown) => isHypertxError(err) && err.code === 'E_OUTPUT_LOCKED' && err.message.includes(String(process.ppid)) && err.message.includes(LOCK_NAME));
    assert.ok(readdirSync(dir).includes(LOCK_NAME), 'a live holder keeps its lock');
  });

  it("takes over a dead holder's lock (also an empty one, left between create and write), and removes it after", async () => {
    for (const content of [JSON.stringify({ pid: deadPid(), token: 'x' }), '']) {
      const dir = await freshDir();
      await writeFile(join(dir, LOCK_NAME), content);
      if (content === '') utimesSync(join(dir, LOCK_NAME), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      assert.equal(await withFolderLock(dir, () => 42, { timeoutMs: 1000 }), 42);
      assert.deepEqual(await readdir(dir), []);
    }
  });

  it('8 concurrent writers to one folder leave one whole set', async () => {
    const dir = await freshDir();
    const tags = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    await Promise.all(tags.map((tag) => writeOutputSet(dir, set(tag))));
    const left = await contents(dir);
    assert.ok(tags.some((tag) => isDeepStrictEqual(left, text(set(tag)))), JSON.stringify(left));
  });
});

describe('a real full disk and a read-only file system (tmpfs; needs root)', () => {
  let mount: string | undefined;
  let why = '';
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypertx-tmpfs-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status === 0) mount = dir;
    else why = `cannot mount a tmpfs here (${(r.stderr || String(r.error)).trim()})`;
  });
  after(async () => {
    if (!mount) return;
    spawnSync('umount', [mount]);
    await rm(mount, { recursive: true, force: true });
  });

  it('ENOSPC: exit-3 error naming the file and the full disk, the earlier set byte for byte intact, nothing left behind', async (t) => {
    if (!mount) return t.skip(why);
    const dir = join(mount, 'out');
    await writeOutputSet(dir, set('A'));
    const { bavail, bsize } = statfsSync(mount);
    writeFileSync(join(mount, 'filler'), new Uint8Array(Math.max(0, bavail * bsize - 8192))); // room for two staged files, not five
    await assert.rejects(writeOutputSet(dir, set('B')), (err: unknown) => {
      assert.ok(isHypertxError(err));
      assert.equal(err.kind, 'input');
      assert.match(err.message, /no space left on the device \(ENOSPC\)/);
      assert.ok(err.message.includes(dir), err.message);
      assert.doesNotMatch(err.hint ?? '', /permission/i);
      return true;
    });
    assert.deepEqual(await contents(dir), text(set('A')));
    await rm(join(mount, 'filler'));
  });

  it('EROFS: an error saying the file system is read-only, the set intact', async (t) => {
    if (!mount) return t.skip(why);
    const dir = join(mount, 'ro');
    await writeOutputSet(dir, set('A'));
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount]).status, 0);
    try {
      await assert.rejects(writeOutputSet(dir, set('B')), (err: unknown) => isHypertxError(err) && err.kind === 'input' && /read-only \(EROFS\)/.test(err.message) && err.message.includes(dir));
      assert.deepEqual(await contents(dir), text(set('A')));
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mount]);
    }
  });
});
