// tools/results/compare-models.mjs: paired comparison of models on glyph or Omniglot episodes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tool = path.join(root, 'tools/results/compare-models.mjs');
const omniglotDir = path.resolve(root, process.env.HYPERTX_OMNIGLOT_DIR ?? '../shared/datasets/omniglot-background');
const run = (args) => promisify(execFile)(process.execPath, [tool, ...args], { cwd: root });

before(() => assert.ok(existsSync(path.join(omniglotDir, 'index.json')), `Omniglot not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR)`));

test('glyph episodes: bundled names resolve, and a later model gets its paired difference to the first', async () => {
  const { stdout } = await run(['--model', 'a=default', '--model', 'b=default', '--ways', '2', '--episodes', '3', '--support-shifts', '0']);
  const record = JSON.parse(stdout);
  assert.ok(record.glyphs, 'names the glyph generator settings');
  assert.match(record.setting, /2-way 1-shot.*3 episodes/);
  const { a, b } = record.results;
  assert.equal(a.file, 'default');
  assert.equal(a.kind, 'hypertransformer');
  assert.equal(a.supportShifts, 0);
  assert.equal(a.vsFirst, undefined);
  // The same file on the same episodes: identical accuracy, a paired difference of exactly 0.
  assert.equal(b.accuracy, a.accuracy);
  assert.deepEqual(b.vsFirst, { model: 'a', difference: 0, ci95: 0 });
});

test('--alphabets draws the episodes from those Omniglot alphabets, and the record names them', async () => {
  const { stdout } = await run(['--model', 'a=default', '--alphabets', 'Latin,Greek', '--data', omniglotDir, '--ways', '2', '--episodes', '2']);
  const record = JSON.parse(stdout);
  assert.equal(record.glyphs, undefined);
  assert.deepEqual(record.omniglot.alphabets, ['Latin', 'Greek']);
  assert.ok(record.results.a.accuracy >= 0 && record.results.a.accuracy <= 1);
});

test('bad input is a one-line error naming it, not a stack trace', async () => {
  const fails = (args) => run(args).then(() => assert.fail(`should fail: ${args.join(' ')}`), (e) => e);
  const unknownModel = await fails(['--model', 'x=no-such-model', '--episodes', '1']);
  assert.equal(unknownModel.code, 3);
  assert.match(unknownModel.stderr, /^compare-models\.mjs: model "no-such-model" is neither a bundled model nor an existing file\n$/);
  const unknownAlphabet = await fails(['--model', 'a=default', '--alphabets', 'Klingon', '--data', omniglotDir]);
  assert.equal(unknownAlphabet.code, 3);
  assert.match(unknownAlphabet.stderr, /^compare-models\.mjs: .*Klingon.*\n$/);
  const badWays = await fails(['--model', 'a=default', '--ways', '1']);
  assert.equal(badWays.code, 2);
  assert.match(badWays.stderr, /--ways takes a whole number ≥ 2, got "1"/);
});
