// The short, seeded kill harness (tools/kill-harness.mjs; the full run is `npm run kill-harness`):
// a few dozen compiles killed with SIGKILL/SIGTERM/SIGINT at random moments and while their files
// are staged and published, with and without an earlier set, and one round of 8 concurrent compiles
// to one output. Every output set must be whole and from one support set, nothing left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('24 killed compiles and 8 concurrent ones: every set whole and from one support set, no temporaries after the next run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hypertx-kill-test-'));
  try {
    const out = path.join(dir, 'kill.json');
    const r = spawnSync(process.execPath, ['tools/kill-harness.mjs', '--kills', '24', '--concurrent', '1', '--seed', '7', '--fast', '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(result.ok, true);
    assert.deepEqual(result.failures, []);
    assert.ok(result.kills.killed >= 24, `${result.kills.killed} kills`);
    assert.deepEqual(Object.keys(result.kills.bySignal).sort(), ['SIGINT', 'SIGKILL', 'SIGTERM']);
    assert.equal(result.concurrent.compiles, 8);
    for (const t of result.trials) assert.ok(['old', 'new', 'none'].includes(t.after), JSON.stringify(t));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
