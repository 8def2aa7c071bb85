// A new user's first minutes, exactly as the README tells them: a fresh `git clone` of this
// repository (its committed HEAD), the README's set-up command, then every line of its Usage block,
// verbatim (`npx hypertx …` included). Each must exit 0 without a stack trace, and the clone must
// stay clean: outputs go where the README says, into an ignored folder, not into the repository.
//
// Needs git and the npm registry or its cache (the outer `npm ci` fills the cache). Takes a minute
// or two: `npm ci` builds every package (the root `prepare` script).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeRun, npmEnv, runCommand } from '../../tools/release/npm-env.mjs';
import { REPO_ROOT } from '../../tools/release/workspace-packages.mjs';

/** The shell lines of the first ```sh block under a `## <heading>`, comments and blank lines dropped. */
export function shellLines(markdown, heading) {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading + '\n'));
  assert.ok(section, `README.md has no "## ${heading}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `README.md "## ${heading}" has no sh block`);
  return block[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('the README on a fresh clone', () => {
  let home;
  let clone;
  let setup;
  let usage;
  before(async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    // `npm test` is the README's second set-up line: it is this very suite, so it is not run again here.
    setup = shellLines(readme, 'Setup').filter((l) => l !== 'npm test');
    usage = shellLines(readme, 'Usage');
    home = await mkdtemp(path.join(os.tmpdir(), 'hypertx-first-run-'));
    clone = path.join(home, 'hypertx');
    const cloned = await runCommand('git', ['clone', '-q', REPO_ROOT, clone], { cwd: home });
    assert.equal(cloned.code, 0, describeRun(cloned));
  });
  after(() => (process.env['HYPERTX_KEEP_FIRST_RUN'] ? undefined : rm(home, { recursive: true, force: true })));

  test('the set-up command works and leaves the hypertx command built and linked', { timeout: 600_000 }, async () => {
    assert.deepEqual(setup, ['npm ci'], 'the README set-up is `npm ci` (then `npm test`)');
    for (const line of setup) {
      const r = await runCommand('bash', ['-c', line], { cwd: clone, env: npmEnv({ npm_config_prefer_offline: 'true' }), timeoutMs: 600_000 });
      assert.equal(r.code, 0, `${line}\n${describeRun(r)}`);
    }
    assert.ok(existsSync(path.join(clone, 'node_modules/.bin/hypertx')), 'npm linked the hypertx bin');
    assert.ok(existsSync(path.join(clone, 'packages/cli/dist/bin.js')), 'npm ci built the packages');
  });

  test('every Usage line runs verbatim, in order, and the clone stays clean', { timeout: 600_000 }, async () => {
    assert.ok(usage.length >= 3, `Usage has ${usage.length} lines`);
    assert.ok(usage.some((l) => l.startsWith('npx hypertx compile ')), 'Usage shows npx hypertx compile');
    for (const line of usage) {
      const r = await runCommand('bash', ['-c', line], { cwd: clone, env: npmEnv({ npm_config_prefer_offline: 'true' }), timeoutMs: 120_000 });
      assert.equal(r.code, 0, `${line}\n${describeRun(r)}`);
      assert.doesNotMatch(r.stderr, STACK_FRAME, line);
    }
    const status = await runCommand('git', ['status', '--porcelain'], { cwd: clone });
    assert.equal(status.stdout, '', `the README's commands left files in the repository:\n${status.stdout}`);
  });
});
