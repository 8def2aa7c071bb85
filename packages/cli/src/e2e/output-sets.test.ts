/**
 * End to end: a compile publishes all its files or none (docs/cli.md, "Output files: all or
 * nothing"). A full disk, a signal or SIGKILL at the worst moment never destroys the earlier set
 * nor leaves a mix, the next run removes what a killed one left, and names near the 255-byte limit
 * work. Faults come from @hypertx/pipeline's test-support/publish-faults.js (loaded into the child
 * with --import); the full disk is also a real tmpfs when this process may mount one (root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statfsSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, createSmallModel, describeRun, makeTempDir, removeDir, runCli, supportFixture, withFaults, type CliResult } from '../test-support/cli.js';

const NEW = supportFixture('glyphs-5way-1shot');
const OLD = supportFixture('glyphs-5way-5shot');
const FORMATS = 'onnx,tflite,c-array';
const SET = ['m.onnx', 'm.tflite', 'm_int8.cc', 'm_int8.h'];

let work: string;
let model: string;
/** Every file of a clean compile of OLD and of NEW (the bytes are deterministic). */
const reference: Record<'old' | 'new', Record<string, string>> = { old: {}, new: {} };

const compileTo = (support: string, output: string, options: Parameters<typeof runCli>[1] = {}): Promise<CliResult> =>
  runCli(['compile', support, '-m', model, '-f', FORMATS, '-o', output, '-q'], { cwd: work, ...options });

/** Name → content of every entry of `dir` (hidden ones too). */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) out[e.name] = e.isDirectory() ? '<folder>' : (await readFile(join(dir, e.name))).toString('base64');
  return out;
}

/** Which whole set `dir` holds: 'old', 'new', 'none', or a description of the mess. */
async function whichSet(dir: string): Promise<string> {
  const left = await contents(dir);
  if (Object.keys(left).length === 0) return 'none';
  for (const name of ['old', 'new'] as const) if (JSON.stringify(left, Object.keys(left).sort()) === JSON.stringify(reference[name], Object.keys(reference[name]).sort())) return name;
  return `a mix: ${Object.keys(left).sort().map((f) => `${f}=${reference.old[f] === left[f] ? 'old' : reference.new[f] === left[f] ? 'new' : '?'}`).join(' ')}`;
}

async function withOldSet(name: string): Promise<string> {
  const dir = join(work, name);
  await cp(join(work, 'ref-old'), dir, { recursive: true });
  return dir;
}

before(async () => {
  work = await makeTempDir('hypertx-output-sets-');
  model = await createSmallModel(work, 'small');
  for (const [name, support] of [
    ['old', OLD],
    ['new', NEW],
  ] as const) {
    const r = await compileTo(support, join(work, `ref-${name}`, 'm.onnx'));
    assert.equal(r.code, 0, describeRun(r));
    reference[name] = await contents(join(work, `ref-${name}`));
    assert.deepEqual(Object.keys(reference[name]).sort(), SET);
  }
});

after(() => removeDir(work));

describe('a failed write keeps the earlier set', () => {
  it('disk full (injected ENOSPC) while writing the .cc: exit 3 naming the file and the full disk, no permissions hint, the earlier set intact', async () => {
    const dir = await withOldSet('enospc-injected');
    const r = await compileTo(NEW, join(dir, 'm.onnx'), { env: withFaults({ HYPERTX_FAULT_STAGE_ERROR: 'ENOSPC' }) });
    assert.equal(r.code, EXIT.input, describeRun(r));
    assert.match(r.stderr, /error can't write .*m\.tflite: no space left on the device \(ENOSPC\)/);
    assert.doesNotMatch(r.stderr, /permission/i);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    assert.equal(await whichSet(dir), 'old');
  });

  it('a real full disk (tmpfs; needs root): the same', async (t) => {
    const mount = await mkdtemp(join(tmpdir(), 'hypertx-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      await rm(mount, { recursive: true });
      return t.skip(`cannot mount a tmpfs here (${(mounted.stderr || String(mounted.error)).trim()})`);
    }
    try {
      const dir = join(mount, 'out');
      await cp(join(work, 'ref-old'), dir, { recursive: true });
      const { bavail, bsize } = statfsSync(mount);
      writeFileSync(join(mount, 'filler'), new Uint8Array(bavail * bsize - 24 * 1024)); // the .onnx fits, the whole set does not
      const r = await compileTo(NEW, join(dir, 'm.onnx'));
      assert.equal(r.code, EXIT.input, describeRun(r));
      assert.match(r.stderr, /error can't write .*out\/m[._].*: no space left on the device \(ENOSPC\)/);
      assert.doesNotMatch(r.stderr, /permission/i);
      assert.equal(await whichSet(dir), 'old');
    } finally {
      spawnSync('umount', [mount]);
      await rm(mount, { recursive: true, force: true });
    }
  });
});

describe('signals and SIGKILL', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} as the first file appears: the signal waits for the set, exit ${code}, the whole new set and nothing else`, async () => {
      const dir = await withOldSet(`signal-publishing-${signal}`);
      const r = await compileTo(NEW, join(dir, 'm.onnx'), {
        env: withFaults({ HYPERTX_FAULT_PAUSE_MS: '80' }),
        onSpawn: (child, output) => {
          const timer = setInterval(() => {
            if (output.stderr().includes('hypertx-fault: publishing')) {
              clearInterval(timer);
              child.kill(signal);
            }
          }, 2);
          child.on('close', () => clearInterval(timer));
        },
      });
      assert.equal(r.code, code, describeRun(r));
      assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\) after all files were written`));
      assert.equal(await whichSet(dir), 'new');
    });
  }

  it('SIGKILL mid-publish leaves a set the next run (even a failing one) makes whole, and no temporaries', async () => {
    const dir = await withOldSet('sigkill');
    const killed = await compileTo(NEW, join(dir, 'm.onnx'), { env: withFaults({ HYPERTX_FAULT_KILL_AT_RENAME: '3' }) });
    assert.equal(killed.signal, 'SIGKILL', describeRun(killed));
    assert.match(await whichSet(dir), /^a mix: .*\.hypertx\.lock/, 'the kill came mid-publish, with the lock held');
    // An earlier version's temporary of a dead process goes too.
    const legacy = `.m.onnx.${spawnSync(process.execPath, ['-e', '']).pid}.0123abcd.tmp`;
    await writeFile(join(dir, legacy), 'half a model');
    const next = await compileTo(join(work, 'no-such-folder'), join(dir, 'm.onnx'));
    assert.equal(next.code, EXIT.input, describeRun(next));
    assert.equal(await whichSet(dir), 'new');
  });
});

describe('long output names', () => {
  it('a 250-byte output name compiles (no temporary suffix to push it over 255)', async () => {
    const dir = join(work, 'long');
    await mkdir(dir);
    const name = 'n'.repeat(245) + '.onnx';
    const r = await runCli(['compile', NEW, '-m', model, '-o', join(dir, name), '-q'], { cwd: work });
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await readdir(dir), [name]);
  });

  it('a name that a format suffix takes over 255 bytes is a usage error naming it, before compiling', async () => {
    const name = 'n'.repeat(245) + '.onnx';
    const r = await runCli(['compile', NEW, '-m', model, '-f', 'onnx,tflite-int8', '-o', join(work, 'long2', name)], { cwd: work });
    assert.equal(r.code, EXIT.usage, describeRun(r));
    assert.match(r.stderr, /"n+_int8\.tflite" is 257 bytes long; file names can be at most 255 bytes/);
    assert.doesNotMatch(r.stderr, /Loading model/);
  });
});
