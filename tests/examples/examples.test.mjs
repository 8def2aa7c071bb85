// The examples in examples/ run as users would run them, each from a folder of its own, and the
// READMEs show them verbatim: every JavaScript/TypeScript block of README.md and of each package's
// README is an example file that a test here runs. Needs the workspace packages built (`npm test`
// builds first) and, for the queue examples, redis-server.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_RUNS, SERVICE_EXAMPLES, taggedExamples, untaggedCode } from './example-runs.mjs';

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

const READMES = ['README.md', ...readdirSync(path.join(ROOT, 'packages')).map((p) => `packages/${p}/README.md`)].filter((f) => existsSync(path.join(ROOT, f)));

describe('README examples', () => {
  test('every package README and the root README are checked', () => {
    for (const pkg of ['export', 'export-onnx', 'export-tflite', 'data', 'core', 'pipeline', 'cli']) assert.ok(READMES.includes(`packages/${pkg}/README.md`), pkg);
  });

  for (const readme of READMES) {
    test(`${readme}: every JavaScript/TypeScript block is an example file, shown verbatim`, () => {
      const text = readFileSync(path.join(ROOT, readme), 'utf8');
      assert.deepEqual(untaggedCode(text), [], `${readme}: put the code in examples/<name>.mjs, run it in tests/examples/example-runs.mjs, and tag the block with <!-- example: examples/<name>.mjs -->`);
      const tags = [...text.matchAll(/<!-- example: (\S+) -->/g)].length;
      const blocks = taggedExamples(text);
      assert.equal(blocks.length, tags, `${readme}: an \`<!-- example: … -->\` comment must be directly followed by its \`\`\` block`);
      for (const { file, lang, code } of blocks) {
        const source = path.join(ROOT, file);
        assert.ok(existsSync(source), `${readme} shows ${file}, which does not exist`);
        assert.equal(lang, 'js', `${readme}: ${file} is shown as \`\`\`${lang}; examples are .mjs files shown as \`\`\`js`);
        assert.equal(code, readFileSync(source, 'utf8'), `${readme}: the block of ${file} differs from the file; paste the file again`);
      }
    });
  }

  test('every example file is shown in a README and run by a test', () => {
    const shown = new Set(READMES.flatMap((f) => taggedExamples(readFileSync(path.join(ROOT, f), 'utf8')).map((b) => b.file)));
    for (const file of readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.mjs'))) {
      const rel = `examples/${file}`;
      assert.ok(shown.has(rel), `${rel} is in no README`);
      assert.ok(EXAMPLE_RUNS[rel] || SERVICE_EXAMPLES.has(rel), `${rel} has no entry in tests/examples/example-runs.mjs`);
    }
  });

  test('examples import hypertx packages by name, never by path', () => {
    for (const file of readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.mjs'))) {
      const imports = [...readFileSync(path.join(ROOT, 'examples', file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      for (const spec of imports) assert.ok(/^(node:|@hypertx\/|onnxruntime-node$)/.test(spec), `examples/${file} imports ${spec}`);
    }
  });
});

describe('each example runs, from a folder of its own', () => {
  for (const [file, run] of Object.entries(EXAMPLE_RUNS)) {
    if (file === 'examples/compile-in-memory.mjs') continue; // run with its own checks above
    test(`node ${file}`, { timeout: TIMEOUT }, async () => {
      const tmp = await mkdtemp(path.join(tmpdir(), 'hypertx-example-'));
      try {
        const result = await node([path.join(ROOT, file), ...run.args(tmp)], tmp);
        assert.equal(result.code, 0, show(result));
        for (const pattern of run.stdout) assert.match(result.stdout, pattern, show(result));
        for (const written of run.files ?? []) assert.ok(existsSync(path.join(tmp, written)), `${file} did not write ${written}\n${show(result)}`);
        assert.doesNotMatch(result.stderr, /^\s+at /m, show(result));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
  }
});

describe('the queue examples, with a real Redis', () => {
  test('a worker and a submitter compile two support sets; Ctrl-C stops the worker with exit 0', { timeout: TIMEOUT }, async () => {
    const probe = spawnSync('redis-server', ['--version']);
    assert.ok(!probe.error && probe.status === 0, 'redis-server is not installed: the queue examples need a real Redis (Debian: apt-get install redis-server; .ci/run installs it)');
    const tmp = await mkdtemp(path.join(tmpdir(), 'hypertx-example-queue-'));
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
    let worker;
    try {
      await waitForPort(port);
      await cp(SUPPORT, path.join(tmp, 'sets', 'five-way'), { recursive: true });
      await cp(path.join(ROOT, 'fixtures/support/glyphs-5way-5shot'), path.join(tmp, 'sets', 'five-shot'), { recursive: true });
      const url = `redis://127.0.0.1:${port}`;
      worker = spawn(process.execPath, [path.join(ROOT, 'examples/queue-worker.mjs'), url], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      let workerOut = '';
      worker.stdout.setEncoding('utf8').on('data', (d) => (workerOut += d));
      worker.stderr.setEncoding('utf8').on('data', (d) => (workerOut += d));
      const workerExit = new Promise((resolve) => worker.on('exit', (code, signal) => resolve({ code, signal })));
      const submit = await node([path.join(ROOT, 'examples/queue-submit.mjs'), 'sets', url], tmp);
      assert.equal(submit.code, 0, show(submit));
      assert.match(submit.stdout, /^2 compiled, 0 already there, 0 failed$/m, show(submit));
      for (const set of ['five-way', 'five-shot']) assert.ok(existsSync(path.join(tmp, 'out', set, `${set}_int8.tflite`)), `out/${set}/${set}_int8.tflite\n${workerOut}`);
      worker.kill('SIGINT');
      const exit = await workerExit;
      assert.equal(exit.code, 0, `worker: ${JSON.stringify(exit)}\n${workerOut}`);
      assert.match(workerOut, /"type":"completed"/);
    } finally {
      if (worker && worker.exitCode === null) worker.kill('SIGKILL');
      redis.kill('SIGTERM');
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not listen on ${port}`);
}
