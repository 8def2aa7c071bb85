// Every script in tools/ teaches its usage on --help and refuses a bad flag in one line (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headerComment } from '../../tools/tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Scripts start with a shebang; the other modules in tools/ (tool-args.mjs, svg-chart.mjs, ...) are libraries.
const isScript = (file) => readFileSync(path.join(root, file), 'utf8').startsWith('#!');
// Package benchmarks (packages/*/bench/) are scripts of the same kind.
const packageBenches = readdirSync(path.join(root, 'packages'))
  .map((p) => `packages/${p}/bench`)
  .filter((dir) => existsSync(path.join(root, dir)));
const scripts = ['tools', 'tools/results', ...packageBenches]
  .flatMap((dir) => readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.mjs')).map((f) => `${dir}/${f}`))
  .filter(isScript);
const run = (script, ...args) => spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('tools/ command lines', () => {
  test('the list of scripts is not empty', () => assert.ok(scripts.length >= 10, scripts.join(', ')));

  for (const script of scripts) {
    test(`${script} --help prints its header comment`, () => {
      const result = run(script, '--help');
      assert.equal(result.status, 0, result.stderr);
      const header = headerComment(path.join(root, script));
      assert.ok(header.length > 40, `${script} has no usage comment`);
      assert.equal(result.stdout.trim(), header);
    });

    test(`${script} refuses an unknown flag in one line`, () => {
      const result = run(script, '--no-such-flag');
      assert.equal(result.status, 2);
      assert.match(result.stderr, /no-such-flag/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'a stack trace');
      assert.equal(result.stdout, '');
    });
  }
});

test('headerComment strips the comment gutter', () => {
  const header = headerComment(path.join(root, 'tools/tool-args.mjs'));
  assert.match(header, /^Argument parsing shared by the scripts in tools\//);
  assert.doesNotMatch(header, /^\s*\*/m);
});
