import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { bestValidation, readRunLog, resumeRunLog } from './run-log.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hypertx-run-log-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const lines = [
  '{"type":"train","step":50,"loss":1.2}',
  '{"type":"validation","step":50,"mean":0.6,"ci95":0.02}',
  '{"type":"train","step":100,"loss":0.9}',
  '{"type":"validation","step":100,"mean":0.7,"ci95":0.02}',
];

test('a missing log is empty', async () => {
  assert.deepEqual(await readRunLog(join(dir, 'none.jsonl')), { entries: [], tornLastLine: false });
});

test('a half-written last line (a run killed mid-append) is ignored when reading', async () => {
  const file = join(dir, 'torn.jsonl');
  await writeFile(file, lines.join('\n') + '\n{"type":"train","st');
  const log = await readRunLog(file);
  assert.equal(log.tornLastLine, true);
  assert.deepEqual(log.entries.map((e) => e.entry.step), [50, 50, 100, 100]);
  assert.deepEqual(bestValidation(log), { step: 100, mean: 0.7, ci95: 0.02 });
});

test('a bad line before the last one is an input error naming the file and line', async () => {
  const file = join(dir, 'middle.jsonl');
  await writeFile(file, [lines[0], '{"type":"valid', ...lines.slice(1)].join('\n') + '\n');
  await assert.rejects(readRunLog(file), (err: unknown) => {
    assert.ok(isHypertxError(err));
    assert.equal(err.code, 'E_RUN_LOG');
    assert.equal(err.kind, 'input');
    assert.match(err.message, /middle\.jsonl line 2 is not a log entry: \{"type":"valid$/);
    return true;
  });
  await writeFile(file, [lines[0], '{"type":"train"}', lines[1]].join('\n') + '\n');
  await assert.rejects(readRunLog(file), /line 2 is not a log entry/, 'an entry needs a step');
});

test('resuming drops entries past the checkpoint and the torn line, leaving no temporary file', async () => {
  const sub = await mkdtemp(join(dir, 'resume-'));
  const file = join(sub, 'log.jsonl');
  await writeFile(file, lines.join('\n') + '\n{"type":"tr');
  const log = await resumeRunLog(file, 50);
  assert.equal(log.tornLastLine, true);
  assert.deepEqual(bestValidation(log), { step: 50, mean: 0.6, ci95: 0.02 });
  assert.equal(await readFile(file, 'utf8'), lines.slice(0, 2).join('\n') + '\n', 'the lines kept, as written');
  assert.deepEqual(await readdir(sub), ['log.jsonl']);
  const again = await resumeRunLog(file, 50);
  assert.equal(again.tornLastLine, false);
  assert.equal(again.entries.length, 2);
});

test('a FIFO in place of the log is an input error naming it, not a hang (found by the fuzz harness)', async () => {
  const fifo = join(dir, 'fifo.jsonl');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readRunLog(fifo), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.message.includes(fifo) && /FIFO/.test(err.message));
});
