/**
 * `hypertx train` end to end on the real Omniglot background split: a tiny ProtoNet recipe with a
 * BatchNorm prior trains, logs, checkpoints the prior, resumes (past a torn log line); a bad recipe
 * is an input error naming the file and field, and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCheckpoint } from '@hypertx/core';
import { EXIT } from '../exit-codes.js';
import { omniglotRecipe } from '@hypertx/pipeline';
import { listFiles, makeTempDir, removeDir, repoRoot, runCli, STACK_FRAME } from '../test-support/cli.js';

const omniglotDir = resolve(repoRoot, process.env['HYPERTX_OMNIGLOT_DIR'] ?? '../shared/datasets/omniglot-background');
// Training needs the real data: a missing copy fails here, loudly, rather than skipping.
before(() => assert.ok(existsSync(join(omniglotDir, 'index.json')), `Omniglot not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR)`));

let dir = '';
before(async () => {
  dir = await makeTempDir('hypertx-train-test-');
});
after(() => removeDir(dir));

function tinyRecipe() {
  const recipe = omniglotRecipe(4, 'protonet');
  return {
    ...recipe,
    name: 'tiny-protonet-prior',
    episodes: { ...recipe.episodes, ways: [2, 5] as [number, number], perStep: 2 },
    schedule: { kind: 'constant' as const, lr: 1e-3 },
    bnPrior: { weight: 30, every: 2, sets: 4 },
    steps: 4,
    checkpointEvery: 2,
    validation: { ...recipe.validation, every: 2, episodes: 10 },
  };
}

test('train with a BatchNorm prior: checkpoints and the best model carry it; --resume continues', async () => {
  const recipePath = join(dir, 'recipe.json');
  await writeFile(recipePath, JSON.stringify(tinyRecipe()));
  const out = join(dir, 'run');
  const r = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const latest = await loadCheckpoint(join(out, 'latest.hxckpt'));
  assert.equal(latest.step, 4);
  assert.equal(latest.bnPrior?.weight, 30);
  assert.equal(latest.bnPrior?.mean.length, 4);
  assert.ok(latest.bnPrior!.variance.every((v) => v.every((x) => x > 0)));
  const best = await loadCheckpoint(join(out, 'best.hxmodel'));
  assert.equal(best.bnPrior?.weight, 30);
  const log = (await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number });
  assert.deepEqual(log.filter((e) => e.type === 'validation').map((e) => e.step), [2, 4]);

  const stored = JSON.parse(await readFile(join(out, 'recipe.json'), 'utf8')) as { $schema: string };
  assert.match(stored.$schema, /^https:\/\/unpkg\.com\/@hypertx\/pipeline@[^/]+\/recipe\.schema\.json$/, 'editors find the schema');

  // A run killed while appending to its log leaves a half-written last line: resume cuts it away.
  await appendFile(join(out, 'log.jsonl'), '{"type":"train","step":6,"lo');
  // A run killed while writing a checkpoint leaves its temporary file: the next run removes it
  // (only those of its own files whose writer is dead).
  const deadPid = spawnSync('true').pid;
  const deadTemporary = join(out, `.latest.hxckpt.${deadPid}.0badf00d.tmp`);
  const liveTemporary = join(out, `.latest.hxckpt.${process.pid}.0badf00d.tmp`);
  const notOurs = join(out, `.notes.txt.${deadPid}.0badf00d.tmp`);
  for (const f of [deadTemporary, liveTemporary, notOurs]) await writeFile(f, 'partial');
  const resumed = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '6']);
  assert.equal(resumed.code, EXIT.ok, resumed.stderr);
  assert.match(resumed.stderr, /warning .*log\.jsonl ended in a half-written line .*removed it/);
  assert.equal(existsSync(deadTemporary), false, 'a dead writer\'s temporary checkpoint is removed');
  assert.ok(existsSync(liveTemporary) && existsSync(notOurs), 'a live writer\'s file and files that are not the run\'s stay');
  for (const f of [liveTemporary, notOurs]) await unlink(f);
  const after6 = await loadCheckpoint(join(out, 'latest.hxckpt'));
  assert.equal(after6.step, 6);
  assert.notDeepEqual(after6.bnPrior!.mean, latest.bnPrior!.mean, 're-estimated for the new weights');
  const logText = await readFile(join(out, 'log.jsonl'), 'utf8');
  const entries = logText.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number });
  assert.deepEqual(entries.filter((e) => e.type !== 'start').map((e) => e.step), [2, 4, 4, 6, 6], 'the entries up to step 4 kept, the torn line gone, step 6 logged');
  assert.deepEqual(entries.filter((e) => e.type === 'start').map((e) => e.step), [0, 4], 'the start and the resume each say what they train on');

  // Resumed at its last step, it trains nothing and claims no new checkpoint.
  const before = (await stat(join(out, 'latest.hxckpt'))).mtimeMs;
  const again = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '6']);
  assert.equal(again.code, EXIT.ok, again.stderr);
  assert.match(again.stdout, /^Nothing to train: the run in .* is already at step 6; pass --steps above 6 to train on\n$/);
  assert.equal((await stat(join(out, 'latest.hxckpt'))).mtimeMs, before, 'checkpoint untouched');
  assert.equal(await readFile(join(out, 'log.jsonl'), 'utf8'), logText, 'log untouched');

  // A damaged line before the last is not a torn append: an input error naming the line.
  const lines = logText.split('\n');
  lines[1] = lines[1]!.slice(0, 10);
  await writeFile(join(out, 'log.jsonl'), lines.join('\n'));
  const damaged = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '8']);
  assert.equal(damaged.code, EXIT.input, damaged.stderr);
  assert.match(damaged.stderr, /log\.jsonl line 2 is not a log entry/);
  assert.doesNotMatch(damaged.stderr, STACK_FRAME);
  assert.equal((await loadCheckpoint(join(out, 'latest.hxckpt'))).step, 6);
});

test('a recipe with an invalid bnPrior is an input error naming the file and field, and writes nothing', async () => {
  const recipePath = join(dir, 'bad.json');
  await writeFile(recipePath, JSON.stringify({ ...tinyRecipe(), bnPrior: { weight: -1, every: 2, sets: 4 } }));
  const out = join(dir, 'bad-run');
  const r = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out]);
  assert.equal(r.code, EXIT.input, r.stderr);
  assert.match(r.stderr, /bad\.json: bnPrior\.weight is -1; it must be ≥ 0/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await listFiles(out), []);
});

/** The tiny recipe changed by `edit` (a deep copy, free to break). */
function editedRecipe(edit: (r: Record<string, any>) => void): unknown {
  const recipe = structuredClone(tinyRecipe()) as unknown as Record<string, any>;
  edit(recipe);
  return recipe;
}

test('bad recipes are input errors naming the file and the field, with nothing written (issue #17)', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /null\.json: the recipe is null; it must be an object/],
    ['array', [], /array\.json: the recipe is \[\]; it must be an object/],
    ['empty', {}, /empty\.json: name, kind, model, .* are missing/],
    ['no-queries', editedRecipe((r) => (r.episodes.queries = 0)), /no-queries\.json: episodes\.queries is 0; it must be ≥ 1/],
    ['huge-channels', editedRecipe((r) => (r.model.overrides.cnn.channels = 1_000_000)), /huge-channels\.json: model\.overrides\.cnn\.channels is 1000000; it must be ≤ 256/],
    ['negative-lr', editedRecipe((r) => (r.schedule.lr = -1)), /negative-lr\.json: schedule\.lr is -1; it must be > 0/],
    ['no-validation', editedRecipe((r) => (r.validation.episodes = 0)), /no-validation\.json: validation\.episodes is 0; it must be ≥ 1/],
    ['other-kind', editedRecipe((r) => (r.kind = 'other')), /other-kind\.json: kind is "other"; it must be one of "hypertransformer", "protonet"/],
    ['typo', editedRecipe((r) => ([r.checkpointEvry, r.checkpointEvery] = [r.checkpointEvery, undefined])), /typo\.json: checkpointEvry is not a known field \(did you mean "checkpointEvery"\?\)/],
    // Fits the schema, but not the model: the preset takes at most 20 ways.
    ['too-many-ways', editedRecipe((r) => (r.episodes.ways = [2, 30])), /too-many-ways\.json: episodes\.ways is \[2,30\]; it must be at most the model's maxWays \(20/],
  ];
  for (const [name, recipe, line] of cases) {
    const recipePath = join(dir, `${name}.json`);
    await writeFile(recipePath, JSON.stringify(recipe));
    const out = join(dir, `${name}-run`);
    const r = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out]);
    assert.equal(r.code, EXIT.input, `${name}: ${r.stderr}`);
    assert.match(r.stderr, line, name);
    assert.doesNotMatch(r.stderr, STACK_FRAME, name);
    assert.equal(existsSync(out), false, `${name}: nothing written`);
  }
});

test('the recipe stored beside a run is validated on --resume, naming that file', async () => {
  const out = join(dir, 'stored-bad');
  await mkdir(out);
  await writeFile(join(out, 'recipe.json'), JSON.stringify(editedRecipe((r) => (r.schedule.lr = -1))));
  const r = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume']);
  assert.equal(r.code, EXIT.input, r.stderr);
  assert.ok(r.stderr.includes(`${join(out, 'recipe.json')}: schedule.lr is -1; it must be > 0`), r.stderr);
  assert.deepEqual(await listFiles(out), ['recipe.json']);
});

test('a checkpoint dir that is a file is an input error naming it; --steps 0 is a usage error', async () => {
  const recipePath = join(dir, 'ok.json');
  await writeFile(recipePath, JSON.stringify(tinyRecipe()));
  const file = join(dir, 'not-a-folder');
  await writeFile(file, 'mine');
  const r = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', file]);
  assert.equal(r.code, EXIT.input, r.stderr);
  assert.ok(r.stderr.includes(`the checkpoint folder ${file} is a file, not a folder`), r.stderr);
  assert.doesNotMatch(r.stderr, STACK_FRAME);
  assert.equal(await readFile(file, 'utf8'), 'mine');

  const out = join(dir, 'zero-steps');
  const zero = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out, '--steps', '0']);
  assert.equal(zero.code, EXIT.usage, zero.stderr);
  assert.match(zero.stderr, /--steps takes a whole number ≥ 1, got "0"/);
  assert.equal(existsSync(out), false);
});
