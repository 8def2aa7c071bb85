/**
 * `hypertx train` with a distillation teacher and the alphabet splits, end to end on the real
 * Omniglot background split: the run records the held-out alphabets and the teacher's SHA-256; a
 * missing, damaged or unfit teacher, or a changed one on --resume, is an input error naming it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { createProtoNet, initBackend, loadCheckpoint, preset, saveModel } from '@hypertx/core';
import { omniglotRecipe } from '@hypertx/pipeline';
import { EXIT } from '../exit-codes.js';
import { makeTempDir, removeDir, repoRoot, runCli, STACK_FRAME } from '../test-support/cli.js';

const omniglotDir = resolve(repoRoot, process.env['HYPERTX_OMNIGLOT_DIR'] ?? '../shared/datasets/omniglot-background');
before(() => assert.ok(existsSync(join(omniglotDir, 'index.json')), `Omniglot not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR)`));

let dir = '';
let teacher = '';
before(async () => {
  dir = await makeTempDir('hypertx-distill-test-');
  await initBackend('wasm');
  // A wider teacher at another input size (untrained: these tests are about the plumbing).
  teacher = join(dir, 'teacher.hxmodel');
  await saveModel(teacher, createProtoNet(teacherConfig({ channels: 8, side: 32 }), 3));
});
after(() => removeDir(dir));

function teacherConfig(o: { channels: number; side: number; maxWays?: number }) {
  const base = preset('omniglot-1shot').config;
  return { ...base, image: { ...base.image, height: o.side, width: o.side }, cnn: { ...base.cnn, channels: o.channels }, ...(o.maxWays ? { maxWays: o.maxWays } : {}) };
}

/** A 2-step 4-channel ProtoNet run of 5-way episodes, distilled from `teacherFile`, on fold 2 of 5. */
function recipe(teacherFile: string) {
  const r = omniglotRecipe(4, 'protonet');
  const { validationAlphabets: _, ...data } = r.data;
  return {
    ...r,
    name: 'tiny-distilled',
    data: { ...data, alphabetFold: { fold: 2, of: 5 } },
    episodes: { ...r.episodes, ways: [2, 5] as [number, number], perStep: 2 },
    distill: { teacher: teacherFile, weight: 0.5, temperature: 4 },
    steps: 2,
    checkpointEvery: 2,
    validation: { ...r.validation, every: 2, episodes: 5 },
  };
}

async function writeRecipe(name: string, value: unknown): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(value));
  return file;
}

test('a distilled run on fold 2 of 5: prints and logs the held-out alphabets, records the teacher SHA-256, resumes only with the same teacher', async () => {
  const out = join(dir, 'run');
  const r = await runCli(['train', '-c', await writeRecipe('distilled', recipe(teacher)), '--data', omniglotDir, '--checkpoint-dir', out, '--threads', '2']);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const fold2 = 'Bengali, Blackfoot_(Canadian_Aboriginal_Syllabics), Braille, Burmese_(Myanmar), Cyrillic, Early_Aramaic';
  assert.ok(r.stderr.includes(`Alphabets: fold 2 of 5 of the 30 alphabets in file order held out; validating on ${fold2}`), r.stderr);
  const sha256 = createHash('sha256').update(await readFile(teacher)).digest('hex');
  assert.ok(r.stderr.includes(`Distilling ${teacher} (protonet, 8 channels, 32×32 input, up to 20 ways; SHA-256 ${sha256.slice(0, 16)}…): weight 0.5, temperature 4`), r.stderr);

  const log = (await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const start = log.find((e) => e.type === 'start')!;
  assert.deepEqual(start.alphabets.validation, fold2.split(', '));
  assert.equal(start.alphabets.train.length, 24);
  assert.equal(start.teacher.sha256, sha256);
  const train = log.find((e) => e.type === 'train')!;
  assert.ok(train.distillLoss > 0 && train.loss > 0.5 * train.distillLoss, JSON.stringify(train));
  for (const file of ['latest.hxckpt', 'best.hxmodel']) {
    const metadata = (await loadCheckpoint(join(out, file))).metadata!;
    assert.equal(metadata['teacherSha256'], sha256, file);
    assert.equal(metadata['split'], 'fold 2 of 5 of the 30 alphabets in file order held out', file);
  }

  // The same teacher: the run resumes and logs the teacher again.
  const same = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '3']);
  assert.equal(same.code, EXIT.ok, same.stderr);
  const starts = (await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.type === 'start');
  assert.deepEqual(starts.map((e) => [e.step, e.resumed, e.teacher.sha256]), [[0, false, sha256], [2, true, sha256]]);

  // Another teacher under the same name: the resume is refused before anything is written.
  const logBefore = await readFile(join(out, 'log.jsonl'), 'utf8');
  await saveModel(teacher, createProtoNet(teacherConfig({ channels: 8, side: 32 }), 4));
  const resumed = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '4']);
  assert.equal(resumed.code, EXIT.input, resumed.stderr);
  assert.match(resumed.stderr, /distill\.teacher .*teacher\.hxmodel is not the teacher this run started with/);
  assert.equal(await readFile(join(out, 'log.jsonl'), 'utf8'), logBefore);
});

test('a missing, damaged or unfit teacher is an input error (exit 3) naming the file, with nothing written', async () => {
  const damaged = join(dir, 'damaged.hxmodel');
  await writeFile(damaged, (await readFile(teacher)).subarray(0, 500));
  const narrow = join(dir, 'narrow.hxmodel');
  await saveModel(narrow, createProtoNet(teacherConfig({ channels: 8, side: 28, maxWays: 4 }), 1));
  const cases: [string, string, RegExp][] = [
    ['missing', join(dir, 'no-such-teacher.hxmodel'), /distill\.teacher: .*no-such-teacher\.hxmodel/],
    ['damaged', damaged, /distill\.teacher: .*damaged\.hxmodel/],
    ['narrow', narrow, /distill\.teacher: the teacher .*narrow\.hxmodel \(protonet\) takes at most 4 ways, but the training episodes have up to 5/],
  ];
  for (const [name, file, message] of cases) {
    const out = join(dir, `${name}-run`);
    const r = await runCli(['train', '-q', '-c', await writeRecipe(name, recipe(file)), '--data', omniglotDir, '--checkpoint-dir', out]);
    assert.equal(r.code, EXIT.input, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.doesNotMatch(r.stderr, STACK_FRAME, name);
    assert.equal(existsSync(out), false, `${name}: nothing written`);
  }
});

test('trainAlphabets "all": every alphabet trains and validation runs on procedural glyphs', async () => {
  const { distill: _, ...base } = recipe(teacher);
  const { alphabetFold: __, ...data } = base.data;
  const out = join(dir, 'all');
  const r = await runCli(['train', '-c', await writeRecipe('all', { ...base, data: { ...data, trainAlphabets: 'all' } }), '--data', omniglotDir, '--checkpoint-dir', out, '--steps', '1']);
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, /3856 training classes, 400 validation classes/);
  assert.match(r.stderr, /Alphabets: all 30 alphabets train; validation on procedural glyphs \(seed "hypertx-validation-glyphs"/);
  const start = JSON.parse((await readFile(join(out, 'log.jsonl'), 'utf8')).split('\n')[0]!) as Record<string, any>;
  assert.equal(start.alphabets.train.length, 30);
  assert.equal(start.alphabets.validation, null);
});
