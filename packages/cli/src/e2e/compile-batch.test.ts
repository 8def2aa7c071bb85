// `hypertx compile-batch` on this machine: a result line per set and a summary, JSON lines, a set
// that fails without stopping the others (exit 3), and a re-run that skips finished sets.
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, describeRun, listFiles, makeTempDir, removeDir, runCli, supportFixture } from '../test-support/cli.js';

describe('hypertx compile-batch', () => {
  let work: string;
  let sets: string;
  before(async () => {
    work = await makeTempDir('hypertx-batch-test-');
    sets = join(work, 'sets');
    await cp(supportFixture('glyphs-5way-1shot'), join(sets, 'alpha'), { recursive: true });
    await cp(supportFixture('glyphs-5way-1shot-dark'), join(sets, 'beta'), { recursive: true });
    await mkdir(join(sets, 'gamma', 'only-class'), { recursive: true });
    await writeFile(join(sets, 'gamma', 'only-class', '0.png'), await readFile(join(supportFixture('glyphs-5way-1shot'), 'alphabet-01-character-01', '00.png')));
  });
  after(() => removeDir(work));

  it('compiles every set into <out>/<name>/, reports the one that fails, and exits 3', async () => {
    const out = join(work, 'out');
    const r = await runCli(['compile-batch', sets, '-o', out, '-f', 'onnx', '--jobs', '2']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    assert.match(r.stdout, /^✓ alpha {2}5 classes → 1 files/m);
    assert.match(r.stdout, /^✓ beta {2}5 classes → 1 files/m);
    assert.match(r.stdout, /^✗ gamma {2}.*at least 2/m);
    assert.match(r.stdout, /Done in .*: 2 compiled, 0 already there, 1 failed/);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    assert.deepEqual(await listFiles(out), ['alpha/alpha.onnx', 'alpha/hypertx-set.json', 'beta/beta.onnx', 'beta/hypertx-set.json']);
  });

  it('--json prints one line per set and a summary; a re-run skips what is done', async () => {
    const out = join(work, 'out');
    const r = await runCli(['compile-batch', sets, '-o', out, '-f', 'onnx', '--json', '-q']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name?: string; status?: string; summary?: boolean; skipped?: number; failed?: number });
    assert.deepEqual(lines.filter((l) => !l.summary).map((l) => [l.name, l.status]).sort(), [['alpha', 'skipped'], ['beta', 'skipped'], ['gamma', 'failed']]);
    const summary = lines.at(-1)!;
    assert.equal(summary.summary, true);
    assert.equal(summary.skipped, 2);
    assert.equal(summary.failed, 1);
  });

  it('a manifest names sets and folders; a bad manifest line is named', async () => {
    const manifest = join(work, 'sets.jsonl');
    await writeFile(manifest, JSON.stringify({ name: 'first', support: 'sets/alpha' }) + '\n');
    const ok = await runCli(['compile-batch', manifest, '-o', join(work, 'm-out'), '-f', 'tflite', '-q']);
    assert.equal(ok.code, EXIT.ok, describeRun(ok));
    assert.deepEqual(await listFiles(join(work, 'm-out')), ['first/first.tflite', 'first/hypertx-set.json']);
    await writeFile(manifest, '{"support": 3}\n');
    const bad = await runCli(['compile-batch', manifest, '-o', join(work, 'm-out'), '-q']);
    assert.equal(bad.code, EXIT.input, describeRun(bad));
    assert.match(bad.stderr, /sets\.jsonl:1/);
  });
});
