/**
 * Exit codes of the built binary (docs/cli.md): 0 ok, 1 internal, 2 usage, 3 bad input,
 * 4 verification mismatch, 128+n for a signal. Every error names the file or value at fault, no
 * stack trace reaches stderr, and a failed or interrupted compile leaves no output file.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import {
  STACK_FRAME,
  createSmallModel,
  describeRun,
  listFiles,
  makeTempDir,
  parseJson,
  removeDir,
  runCli,
  supportFixture,
  withFaults,
  type CliResult,
} from '../test-support/cli.js';
import { resealed, splitContainer, unsealed } from '@hypertx/export/testing';

const SUPPORT = supportFixture('glyphs-5way-1shot');
let work: string;
let model: string;

before(async () => {
  work = await makeTempDir();
  model = await createSmallModel(work, 'small', { maxWays: 10 });
});

after(() => removeDir(work));

/** Runs a failing command and checks the code, that stderr names `culprit`, and that no stack trace shows. */
function expectFailure(r: CliResult, code: number, culprit: string): void {
  assert.equal(r.code, code, describeRun(r));
  assert.ok(r.stderr.includes(culprit), `stderr should name ${JSON.stringify(culprit)}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, STACK_FRAME, 'no stack trace on stderr');
}

/** Runs `tasks` two at a time (the machine has 2 cores; each is a separate process). */
async function inPairs<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += 2) results.push(...(await Promise.all(tasks.slice(i, i + 2).map((t) => t()))));
  return results;
}

describe('exit code 2: usage errors', { concurrency: 2 }, () => {
  const cases: [what: string, args: string[], culprit: string][] = [
    ['an unknown command', ['frobnicate'], 'frobnicate'],
    ['a missing argument', ['compile'], 'support-dir'],
    ['a missing required option', ['verify', 'x.onnx'], '--support'],
    ['an unknown option', ['compile', SUPPORT, '--colour'], '--colour'],
    ['a bad number', ['compile', SUPPORT, '--seed', 'abc'], 'abc'],
    ['a bad choice', ['compile', SUPPORT, '--ink', 'purple'], 'purple'],
    ['an unknown format', ['compile', SUPPORT, '-f', 'onnx,png'], 'png'],
    ['an output with no known extension', ['compile', SUPPORT, '-o', 'model.bin'], 'model.bin'],
    ['a bad --atol', ['verify', 'x.onnx', '-s', SUPPORT, '--atol', 'tiny'], 'tiny'],
    ['a backend that is not installed', ['compile', SUPPORT, '--backend', 'gpu', '-o', 'never/'], '@tensorflow/tfjs-node-gpu'],
  ];
  for (const [what, args, culprit] of cases) {
    it(`${what}: exit 2, naming ${culprit}`, async () => {
      const r = await runCli(args, { cwd: work });
      expectFailure(r, EXIT.usage, culprit);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.deepEqual(await listFiles(join(work, 'never')), [], 'no output folder or file');
    });
  }
});

describe('exit code 3: bad input, and no output file is left behind', () => {
  const badSets = ['corrupt-png', 'truncated-png', 'not-an-image', 'empty-class', 'single-class', 'huge-image'];
  const expectedCode: Record<string, string> = {
    'corrupt-png': 'E_IMAGE_DECODE',
    'truncated-png': 'E_IMAGE_DECODE',
    'not-an-image': 'E_IMAGE_DECODE',
    'empty-class': 'E_SUPPORT_EMPTY_CLASS',
    'single-class': 'E_SUPPORT_TOO_FEW_CLASSES',
    'huge-image': 'E_IMAGE_TOO_LARGE',
  };
  // The culprit each message must name: the bad file, or the folder.
  const culprit: Record<string, string> = {
    'corrupt-png': join(supportFixture('bad/corrupt-png'), 'alphabet-01-character-02', '00.png'),
    'truncated-png': join(supportFixture('bad/truncated-png'), 'alphabet-01-character-02', '00.png'),
    'not-an-image': join(supportFixture('bad/not-an-image'), 'alphabet-01-character-02', '00.png'),
    'empty-class': join(supportFixture('bad/empty-class'), 'alphabet-01-character-02'),
    'single-class': supportFixture('bad/single-class'),
    'huge-image': join(supportFixture('bad/huge-image'), 'alphabet-01-character-02', '00.png'),
  };
  const garbageModel = () => join(work, 'garbage.hxmodel');
  const truncatedModel = () => join(work, 'truncated.hxmodel');
  const craftedModel = () => join(work, 'crafted-layers.hxmodel');
  const flippedModel = () => join(work, 'flipped-weight.hxmodel');
  const trailingModel = () => join(work, 'trailing-byte.hxmodel');
  const versionOneModel = () => join(work, 'version-1.hxmodel');
  const cases: [what: string, args: () => string[], culprit: () => string, code?: string][] = [
    ...badSets.map((name): [string, () => string[], () => string, string] => [
      `bad/${name}`,
      () => ['compile', supportFixture(`bad/${name}`), '-m', model],
      () => culprit[name]!,
      expectedCode[name]!,
    ]),
    ['a support folder that does not exist', () => ['compile', join(work, 'no-such-folder'), '-m', model], () => join(work, 'no-such-folder'), 'E_NOT_FOUND'],
    ['a file instead of a folder', () => ['compile', model, '-m', model], () => model, 'E_NOT_A_DIRECTORY'],
    ['a model path that does not exist', () => ['compile', SUPPORT, '-m', join(work, 'missing.hxmodel')], () => join(work, 'missing.hxmodel'), 'E_MODEL_NOT_FOUND'],
    ['a corrupt model file', () => ['compile', SUPPORT, '-m', garbageModel()], () => garbageModel()],
    ['a truncated model file', () => ['compile', SUPPORT, '-m', truncatedModel()], () => truncatedModel()],
    ['a model header with transformer.layers = 1e9 (once a hang)', () => ['compile', SUPPORT, '-m', craftedModel()], () => craftedModel(), 'E_CHECKPOINT_CORRUPT'],
    ['a model with one weight byte changed', () => ['compile', SUPPORT, '-m', flippedModel()], () => flippedModel(), 'E_CHECKPOINT_CHECKSUM'],
    ['a model with a byte appended', () => ['compile', SUPPORT, '-m', trailingModel()], () => trailingModel(), 'E_CHECKPOINT_CHECKSUM'],
    ['a model from before checksums (version 1)', () => ['compile', SUPPORT, '-m', versionOneModel()], () => versionOneModel(), 'E_CHECKPOINT_VERSION'],
    ['more classes than the model accepts', () => ['compile', supportFixture('glyphs-20way-1shot'), '-m', model], () => supportFixture('glyphs-20way-1shot'), 'E_SUPPORT_WAYS'],
  ];

  let results: CliResult[];
  const outDir = (i: number) => join(work, `bad-out-${i}`);
  before(async () => {
    await writeFile(garbageModel(), 'this is not a model\n');
    await writeFile(truncatedModel(), (await readFile(model)).subarray(0, 4000));
    const good = new Uint8Array(await readFile(model));
    await writeFile(craftedModel(), resealed(good, (h) => (h.config.transformer.layers = 1e9)));
    const flipped = good.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    await writeFile(flippedModel(), flipped);
    await writeFile(trailingModel(), Buffer.concat([good, Buffer.from([0])]));
    const { header, data } = splitContainer(good);
    const { sha256: _digest, ...rest } = header;
    await writeFile(versionOneModel(), unsealed({ ...rest, version: 1 }, data));
    results = await inPairs(cases.map(([, args], i) => () => runCli([...args(), '-o', outDir(i) + '/', '--json'], { cwd: work })));
  });

  cases.forEach(([what, , culpritOf, code], i) => {
    it(`${what}: exit 3, the message names ${code ?? 'the file'}'s culprit, no file written`, async () => {
      const r = results[i]!;
      expectFailure(r, EXIT.input, culpritOf());
      const json = parseJson<{ ok: boolean; error: { code: string; kind: string; message: string } }>(r);
      assert.equal(json.ok, false);
      assert.equal(r.stdout, JSON.stringify(json, null, 2) + '\n', 'one pretty-printed object, as docs/cli.md says');
      assert.equal(json.error.kind, 'input');
      if (code) assert.equal(json.error.code, code);
      assert.deepEqual(await listFiles(outDir(i)), [], 'no model and no temp file in the output folder');
    });
  });

  it('the loadable odd sets (bad/mixed-channels, bad/non-image-skipped) compile: exit 0', async () => {
    const rs = await Promise.all(
      ['mixed-channels', 'non-image-skipped'].map((name) => runCli(['compile', supportFixture(`bad/${name}`), '-m', model, '-f', 'hxcnn', '-o', join(work, 'odd') + '/', '-q'])),
    );
    for (const r of rs) assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await listFiles(join(work, 'odd')), ['mixed-channels.hxcnn', 'non-image-skipped.hxcnn']);
  });

  it('inspect and verify name a missing or unreadable file: exit 3', async () => {
    const missing = join(work, 'nothing.onnx');
    const notModel = join(work, 'notes.txt');
    await writeFile(notModel, 'hello');
    const [a, b, c] = await Promise.all([
      runCli(['inspect', missing]),
      runCli(['inspect', notModel]),
      runCli(['verify', missing, '-s', SUPPORT]),
    ]);
    expectFailure(a, EXIT.input, missing);
    expectFailure(b, EXIT.input, notModel);
    expectFailure(c, EXIT.input, missing);
  });
});

describe('exit code 1: internal errors', () => {
  it('an unexpected error prints one line and a hint, no stack trace unless HYPERTX_DEBUG is set', async () => {
    const { reportError } = await import('../report-error.js');
    const captured = await captureStderr(() => reportError(new TypeError('boom at step 3'), { json: false }));
    assert.equal(captured.value, EXIT.internal);
    // In-process, picocolors decides colours from this process's env (CI=true turns them on): compare plain text.
    const plain = captured.stderr.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(plain, /^internal error boom at step 3\n/);
    assert.match(captured.stderr, /HYPERTX_DEBUG=1/);
    assert.doesNotMatch(captured.stderr, STACK_FRAME);

    process.env['HYPERTX_DEBUG'] = '1';
    try {
      const debug = await captureStderr(() => reportError(new TypeError('boom'), { json: false }));
      assert.match(debug.stderr, STACK_FRAME, 'HYPERTX_DEBUG=1 shows the stack');
    } finally {
      delete process.env['HYPERTX_DEBUG'];
    }
  });

  it('a backend out of memory is named as such, with what to change, not as a bug to report', async () => {
    const { reportError } = await import('../report-error.js');
    // What the wasm backend throws when its heap overflows (this tsconfig has no WebAssembly types).
    const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly;
    const oom = new RuntimeError('memory access out of bounds');
    const captured = await captureStderr(() => reportError(oom, { json: false }));
    assert.equal(captured.value, EXIT.internal);
    const plain = captured.stderr.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(plain, /^error TensorFlow\.js ran out of memory \(memory access out of bounds\)\n/);
    assert.match(plain, /episodes\.perStep/);
    assert.doesNotMatch(plain, /report it/);
    assert.doesNotMatch(captured.stderr, STACK_FRAME);
  });
});

describe('signals: an interrupted compile leaves no partial file', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} while the files are being written: exit ${code}, nothing written, this process's staging folder removed, others' files kept`, async () => {
      const out = join(work, `interrupted-${signal}`);
      await mkdir(out);
      const othersTemp = `.glyphs-5way-1shot.onnx.${process.pid}.cafe0000.tmp`;
      await writeFile(join(out, othersTemp), 'another process is writing this');
      const r = await runCli(['compile', SUPPORT, '-m', model, '-f', 'onnx,tflite', '-o', out + '/'], {
        env: withFaults({ HYPERTX_FAULT_STAGE_PAUSE_MS: '300' }),
        onSpawn: (child, output) => {
          const timer = setInterval(() => {
            if (output.stderr().includes('hypertx-fault: staging')) {
              clearInterval(timer);
              child.kill(signal);
            }
          }, 5);
          child.on('close', () => clearInterval(timer));
        },
      });
      assert.equal(r.code, code, describeRun(r));
      assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\): no file was written`));
      assert.deepEqual(await listFiles(out), [othersTemp]);
    });
  }
});

async function captureStderr<T>(fn: () => T): Promise<{ value: T; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), stderr };
  } finally {
    process.stderr.write = original;
  }
}
