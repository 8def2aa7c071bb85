// `hypertx train` as a person sees it in a terminal: run in a pseudo-terminal (util-linux `script`),
// its progress bar's first frame and the Ctrl-C message are checked as drawn.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { omniglotRecipe } from '@hypertx/pipeline';
import { EXIT } from '../exit-codes.js';
import { RunEta } from '../commands/train.js';
import { binPath, makeTempDir, removeDir, repoRoot } from '../test-support/cli.js';

const omniglotDir = resolve(repoRoot, process.env['HYPERTX_OMNIGLOT_DIR'] ?? '../shared/datasets/omniglot-background');
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

let dir = '';
before(async () => {
  assert.ok(existsSync(join(omniglotDir, 'index.json')), `Omniglot not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR)`);
  assert.ok(existsSync('/usr/bin/script'), 'util-linux `script` is needed to run the CLI in a pseudo-terminal');
  dir = await makeTempDir('hypertx-train-tty-');
});
after(() => removeDir(dir));

/** Runs `hypertx train` in a pseudo-terminal; presses Ctrl-C once `pressWhen(screen)` holds. */
function trainInTerminal(args: string[], pressWhen: (screen: string) => boolean): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, binPath, 'train', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let pressed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      if (!pressed && pressWhen(screen.replace(ANSI, ''))) {
        pressed = true;
        child.stdin.write('\x03'); // the terminal turns Ctrl-C into SIGINT for the foreground process
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, screen: screen.replace(ANSI, '') });
    });
  });
}

test('the bar starts with real values, and Ctrl-C prints its message on a line of its own, then checkpoints', async () => {
  const recipe = omniglotRecipe(4, 'protonet');
  const recipePath = join(dir, 'recipe.json');
  await writeFile(
    recipePath,
    JSON.stringify({ ...recipe, name: 'tty', episodes: { ...recipe.episodes, ways: 5, perStep: 1 }, steps: 100_000, checkpointEvery: 100_000, validation: { ...recipe.validation, every: 100_000 } }),
  );
  const out = join(dir, 'run');
  const { code, screen } = await trainInTerminal(['-c', recipePath, '--data', omniglotDir, '--checkpoint-dir', out], (s) => /\| ETA \d/.test(s));
  assert.equal(code, EXIT.interrupted, screen);
  assert.doesNotMatch(screen, /\{[a-z_]+\}/, 'no {placeholder} is ever drawn');
  const firstFrame = screen.slice(screen.indexOf('loss '), screen.indexOf('ETA', screen.indexOf('loss ')) + 5);
  assert.match(firstFrame, /^loss - \| acc - \| - ep\/s \| val - \| ETA -/, firstFrame);
  const warning = screen.indexOf('warning stopping after this step');
  assert.ok(warning > 0, screen);
  assert.match(screen.slice(0, warning), /\n$/, 'the warning starts on a new line, not after the bar');
  assert.match(screen, /Stopped at step \d+; checkpoint /);
  assert.ok(existsSync(join(out, 'latest.hxckpt')), 'Ctrl-C saved a checkpoint');
});

test('the ETA is the run\'s mean time per step times the steps left, shown after five steps', () => {
  const eta = new RunEta();
  eta.start(100, 1100, 0);
  assert.equal(eta.text(104, 4000), 'ETA -');
  assert.equal(eta.text(110, 10_000), 'ETA 16m30s'); // 1 s per step, 990 steps left
  assert.equal(eta.text(600, 500_000), 'ETA 8m20s');
  eta.start(0, 100_000, 0);
  assert.equal(eta.text(10, 20_000), 'ETA 55h33m');
});
