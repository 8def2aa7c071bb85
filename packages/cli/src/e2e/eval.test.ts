// `hypertx eval` on a separate test dataset: an image-folder tree used whole (`--alphabets all`),
// and the usage errors around it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, describeRun, parseJson, runCli, supportFixture } from '../test-support/cli.js';

const TREE = supportFixture('glyphs-5way-5shot'); // 5 classes × 5 glyphs

describe('hypertx eval', () => {
  it('--alphabets all evaluates on a whole image-folder tree: mean ± CI as JSON', async () => {
    const r = await runCli(['eval', '-d', TREE, '--alphabets', 'all', '--engine', 'reference', '--episodes', '3', '--queries', '2', '--json']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
    const json = parseJson<{ ok: boolean; alphabets: unknown; classes: number; episodes: number; accuracy: number; ci95: number; engine: string }>(r);
    assert.equal(json.ok, true);
    assert.equal(json.alphabets, 'all');
    assert.equal(json.classes, 5);
    assert.equal(json.episodes, 3);
    assert.equal(json.engine, 'reference');
    assert.ok(json.accuracy >= 0 && json.accuracy <= 1);
  });

  it('prints one line of text with the 95% CI', async () => {
    const r = await runCli(['eval', '-d', TREE, '--engine', 'reference', '--episodes', '2', '--queries', '2', '-q']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
    // The default model fills each class to 25 images with shifted copies; the line says so.
    assert.match(r.stdout, /^\d+\.\d\d% ± \d+\.\d\d \(95% CI\) over 2 episodes \(5-way 1-shot, reference, BatchNorm support, support filled to 25 per class\)\n$/);
    const off = await runCli(['eval', '-d', TREE, '--engine', 'reference', '--episodes', '2', '--queries', '2', '--support-shifts', '0', '--json']);
    assert.equal(off.code, EXIT.ok, describeRun(off));
    assert.equal(JSON.parse(off.stdout).supportShifts, 0);
  });

  it('an unknown alphabet and a missing dataset are usage errors naming them, without a stack trace', async () => {
    const unknown = await runCli(['eval', '-d', TREE, '--alphabets', 'Klingon', '--episodes', '1']);
    assert.notEqual(unknown.code, EXIT.ok, describeRun(unknown));
    assert.match(unknown.stderr, /Klingon/);
    assert.doesNotMatch(unknown.stderr, STACK_FRAME);
    const none = await runCli(['eval', '--episodes', '1'], { env: { HYPERTX_OMNIGLOT_DIR: undefined } });
    assert.equal(none.code, EXIT.usage, describeRun(none));
    assert.match(none.stderr, /no dataset given/);
  });
});
