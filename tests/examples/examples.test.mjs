// The examples in examples/ run as users would run them, and the README that shows them shows them
// verbatim. Needs the workspace packages built (`npm test` builds first).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples/compile-in-memory.mjs');
const SUPPORT = path.join(ROOT, 'fixtures/support/glyphs-5way-1shot');
const TIMEOUT = 180_000;

/** Runs `node <args>` and resolves with its exit code and output, whatever the code. */
function node(args, cwd) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: TIMEOUT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const show = (run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

describe('examples/compile-in-memory.mjs', () => {
  test('compiles the glyph fixture in memory and classifies a query image with onnxruntime-node', { timeout: TIMEOUT }, async () => {
    const run = await node(['examples/compile-in-memory.mjs'], ROOT);
    assert.equal(run.code, 0, show(run));
    const classes = readdirSync(SUPPORT).filter((name) => !name.startsWith('.') && !name.startsWith('_'));
    const predicted = /^predicted: (\S+) \(p = ([\d.]+)\)$/m.exec(run.stdout);
    assert.ok(predicted, `no "predicted:" line\n${show(run)}`);
    assert.ok(classes.includes(predicted[1]), `predicted "${predicted[1]}" is not one of ${classes.join(', ')}`);
    // Fair to demand: the example's default query (alphabet-01-character-01/00.png) is one the bundled
    // model gets right with p ≈ 1.000 (it gets 24 of the fixture's 25 queries right; the miss is
    // alphabet-02-character-03/04.png), and compile is deterministic, so this is no coin toss.
    assert.match(run.stdout, /^correct: +yes \(the query's folder is alphabet-01-character-01\)$/m, show(run));
    assert.match(run.stdout, /^model: +default$/m, show(run));
    assert.match(run.stdout, /^file: +\.onnx \d+ bytes, verified in onnxruntime-node /m, show(run));
    assert.match(run.stderr, /Loading model default/, show(run));
  });

  test('a support folder with one class fails with a one-line error, exit 1 and no stack trace', { timeout: TIMEOUT }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hypertx-example-'));
    try {
      await cp(path.join(SUPPORT, 'alphabet-01-character-01'), path.join(dir, 'alphabet-01-character-01'), { recursive: true });
      // Run from the temporary folder with a relative argument: the script finds its packages and
      // fixtures from its own location, not the current folder.
      const run = await node([EXAMPLE, '.'], dir);
      assert.equal(run.code, 1, show(run));
      assert.equal(run.stdout, '', show(run));
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
      assert.equal(errors.length, 1, show(run));
      assert.match(errors[0], /^error: .*\b1 class\b.*at least 2/, show(run));
      assert.doesNotMatch(run.stderr, /^\s+at /m, show(run));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('README examples', () => {
  test('every code block tagged with an example file in packages/pipeline/README.md is that file, verbatim', () => {
    const readme = readFileSync(path.join(ROOT, 'packages/pipeline/README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)];
    assert.ok(blocks.length > 0, 'no `<!-- example: <file> -->` block in packages/pipeline/README.md');
    for (const [, file, code] of blocks) {
      const source = path.join(ROOT, file);
      assert.ok(existsSync(source), `packages/pipeline/README.md shows ${file}, which does not exist`);
      assert.equal(code, readFileSync(source, 'utf8'), `packages/pipeline/README.md: the block of ${file} differs from the file; paste the file again`);
    }
  });

  test('every example: comment precedes a code block (a tag that matches nothing is an error)', () => {
    const readme = readFileSync(path.join(ROOT, 'packages/pipeline/README.md'), 'utf8');
    const tags = [...readme.matchAll(/<!-- example: (\S+) -->/g)].length;
    const tagged = [...readme.matchAll(/^<!-- example: \S+ -->\n```/gm)].length;
    assert.equal(tagged, tags, 'an `<!-- example: … -->` comment must be directly followed by its ``` block');
  });
});
