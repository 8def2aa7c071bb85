/**
 * Hostile input files (docs/cli.md, "Input files"): special files posing as images or models, and
 * support folders whose entries cannot be resolved. Each run must exit 3 with a message naming
 * the file, no stack trace, and no output file: never hang, never fill memory, never drop a class.
 * `killAfterMs` only turns a hang into a failure; the assertions are on exit codes and messages.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, bundledDefaultModel, describeRun, listFiles, makeTempDir, removeDir, runCli, supportFixture, type CliResult } from '../test-support/cli.js';

const SUPPORT = supportFixture('glyphs-5way-1shot');
const HANG_GUARD_MS = 120_000;
let work: string;

before(async () => {
  work = await makeTempDir('hypertx-hostile-');
});
after(() => removeDir(work));

/** A copy of three classes of the 5-way fixture: a set that compiles as it is. */
function threeClasses(name: string): string {
  const dir = join(work, name);
  for (const c of ['alphabet-01-character-01', 'alphabet-02-character-03', 'alphabet-03-character-05']) cpSync(join(SUPPORT, c), join(dir, c), { recursive: true });
  return dir;
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

function expectInputError(r: CliResult, ...named: string[]): void {
  assert.equal(r.code, EXIT.input, describeRun(r));
  for (const part of named) assert.ok(r.stderr.includes(part), `stderr should name ${JSON.stringify(part)}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, STACK_FRAME, 'no stack trace on stderr');
}

describe('special files are refused, not read', { concurrency: 2 }, () => {
  const compileInto = (support: string, out: string, model = bundledDefaultModel) => runCli(['compile', support, '-m', model, '-f', 'hxcnn', '-o', join(work, out) + '/'], { killAfterMs: HANG_GUARD_MS });

  for (const device of ['/dev/zero', '/dev/urandom']) {
    it(`a support image that is a link to ${device}: exit 3 naming the link and the device, nothing written`, async () => {
      const set = threeClasses(`set-${device.slice(5)}`);
      const link = join(set, 'alphabet-01-character-01', 'zero.png');
      symlinkSync(device, link);
      const r = await compileInto(set, `out-${device.slice(5)}`);
      expectInputError(r, link, device, 'character device');
      assert.deepEqual(await listFiles(join(work, `out-${device.slice(5)}`)), []);
    });
  }

  it('a FIFO named x.png in a class folder: exit 3 naming it', async () => {
    const set = threeClasses('set-fifo');
    const pipe = fifo(join(set, 'alphabet-02-character-03', 'x.png'));
    expectInputError(await compileInto(set, 'out-fifo'), pipe, 'FIFO');
  });

  it('a FIFO as the -m model file: exit 3 naming it', async () => {
    const pipe = fifo(join(work, 'model.hxmodel'));
    expectInputError(await compileInto(SUPPORT, 'out-model-fifo', pipe), pipe, 'FIFO');
  });

  it('a FIFO or a device given to inspect and verify: exit 3 naming it', async () => {
    const pipe = fifo(join(work, 'model.onnx'));
    const device = join(work, 'device.tflite');
    symlinkSync('/dev/zero', device);
    const [inspectFifo, verifyFifo] = await Promise.all([
      runCli(['inspect', pipe], { killAfterMs: HANG_GUARD_MS }),
      runCli(['verify', pipe, '-s', SUPPORT], { killAfterMs: HANG_GUARD_MS }),
    ]);
    expectInputError(inspectFifo, pipe, 'FIFO');
    expectInputError(verifyFifo, pipe, 'FIFO');
    const [inspectDevice, verifyDevice] = await Promise.all([
      runCli(['inspect', device], { killAfterMs: HANG_GUARD_MS }),
      runCli(['verify', device, '-s', SUPPORT], { killAfterMs: HANG_GUARD_MS }),
    ]);
    expectInputError(inspectDevice, device, 'character device');
    expectInputError(verifyDevice, device, 'character device');
  });

  it('a FIFO as a --config recipe: exit 3 naming it', async () => {
    const pipe = fifo(join(work, 'recipe.json'));
    expectInputError(await runCli(['train', '--config', pipe, '--checkpoint-dir', join(work, 'run')], { killAfterMs: HANG_GUARD_MS }), pipe, 'FIFO');
  });
});

describe('a class that cannot be read is an error, never a dropped class', { concurrency: 2 }, () => {
  const compile = (set: string) => runCli(['compile', set, '-m', bundledDefaultModel, '-f', 'hxcnn', '-o', join(work, 'never') + '/'], { killAfterMs: HANG_GUARD_MS });

  it('a class folder whose name is not valid UTF-8: exit 3 naming its bytes', async () => {
    const set = threeClasses('set-not-utf8');
    const folder = Buffer.concat([Buffer.from(join(set, 'caf')), Buffer.from([0xe9, 0xff])]);
    mkdirSync(folder);
    copyFileSync(join(SUPPORT, 'alphabet-04-character-07', '00.png'), Buffer.concat([folder, Buffer.from('/00.png')]));
    expectInputError(await compile(set), set, 'caf\\xe9\\xff', 'UTF-8');
  });

  it('a symbolic link loop beside the classes: exit 3 naming it', async () => {
    const set = threeClasses('set-loop');
    symlinkSync('alphabet-09-character-09', join(set, 'alphabet-09-character-09'));
    expectInputError(await compile(set), join(set, 'alphabet-09-character-09'), 'loop');
  });

  it('a dangling link as a class folder: exit 3 naming it and where it pointed', async () => {
    const set = threeClasses('set-dangling');
    symlinkSync(join(work, 'moved-away'), join(set, 'alphabet-04-character-07'));
    expectInputError(await compile(set), join(set, 'alphabet-04-character-07'), 'moved-away');
  });

  it('the same three classes with nothing broken compile as three classes: exit 0', async () => {
    const r = await runCli(['compile', threeClasses('set-clean'), '-m', bundledDefaultModel, '-f', 'hxcnn', '-o', join(work, 'clean') + '/', '--json'], { killAfterMs: HANG_GUARD_MS });
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((JSON.parse(r.stdout) as { labels: string[] }).labels.length, 3);
  });
});
