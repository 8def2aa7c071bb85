/**
 * `hypertx train` end to end on the real Omniglot background split (skipped when it is absent): a
 * tiny ProtoNet recipe with a BatchNorm prior trains, logs, checkpoints the prior, resumes; a bad
 * recipe is a usage error that writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCheckpoint } from '@hypertx/core';
import { EXIT } from '../exit-codes.js';
import { omniglotRecipe } from '@hypertx/pipeline';
import { listFiles, makeTempDir, removeDir, repoRoot, runCli } from '../test-support/cli.js';

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

  const resumed = await runCli(['train', '-q', '--data', omniglotDir, '--checkpoint-dir', out, '--resume', '--steps', '6']);
  assert.equal(resumed.code, EXIT.ok, resumed.stderr);
  const after6 = await loadCheckpoint(join(out, 'latest.hxckpt'));
  assert.equal(after6.step, 6);
  assert.notDeepEqual(after6.bnPrior!.mean, latest.bnPrior!.mean, 're-estimated for the new weights');
});

test('a recipe with an invalid bnPrior is a usage error naming it, and writes nothing', async () => {
  const recipePath = join(dir, 'bad.json');
  await writeFile(recipePath, JSON.stringify({ ...tinyRecipe(), bnPrior: { weight: -1, every: 2, sets: 4 } }));
  const out = join(dir, 'bad-run');
  const r = await runCli(['train', '-q', '-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out]);
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /bnPrior .*"weight":-1.* is invalid/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await listFiles(out), []);
});
