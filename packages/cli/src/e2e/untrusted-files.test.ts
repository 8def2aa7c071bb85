/**
 * `inspect` and `verify` on files nobody should have to trust: wrongly typed `hypertx` metadata is a
 * clear input error (exit 3) naming the file and the field; labels, producers and paths holding
 * terminal escape sequences or newlines are shown escaped in human output and exact in JSON; a C
 * array holds any label (the library and HTTP paths accept labels no folder name can carry); and
 * verify checks the cheap things (the file against its metadata, the folder's classes) before it
 * decodes an image or starts a runtime.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compile, readModelFile, writeCompiled } from '@hypertx/pipeline';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, createSmallModel, describeRun, makeTempDir, parseJson, removeDir, runCli, supportFixture, type CliResult } from '../test-support/cli.js';

const FIXTURE = supportFixture('glyphs-5way-1shot');
const FIXTURE_CLASSES = ['alphabet-01-character-01', 'alphabet-02-character-03', 'alphabet-03-character-05', 'alphabet-04-character-07', 'alphabet-05-character-09'];

const ESC = '\x1b';
/** Sets the window title, clears the screen, and reverses the text after it. */
const HOSTILE = `${ESC}]0;pwned\x07${ESC}[2J\u202e`;
/** One per fixture class, in the fixture's order; the last three can also be folder names. */
const LABELS = ['*/', 'nul\0byte', 'x[] = {0x01', 'line\nbreak', `héllo ✓ 字 ${HOSTILE}`];
const FOLDER_SAFE = [2, 3, 4];

let work: string;
/** Folder of the compiled files: its name holds an escape sequence too. */
let out: string;
/** A support folder with the folder-safe labels as class names. */
let support: string;
/** The written files by ending: .onnx, .tflite, and the C array's .cc and .h. */
const files = new Map<string, string>();
const file = (ending: string): string => files.get(ending)!;

before(async () => {
  work = await makeTempDir();
  out = join(work, `out ${ESC}[2J`);
  const model = await createSmallModel(work, 'small');
  const images = await Promise.all(FIXTURE_CLASSES.map(async (c, i) => ({ label: LABELS[i]!, bytes: new Uint8Array(await readFile(join(FIXTURE, c, '00.png'))) })));
  const result = await compile({ images }, { model, formats: ['onnx', 'tflite', 'c-array'], verify: false });
  assert.deepEqual(result.labels.slice().sort(), LABELS.slice().sort());
  for (const written of await writeCompiled(result.formats, { output: out + '/', baseName: 'glyphs' })) {
    for (const path of written.paths) files.set(path.slice(path.lastIndexOf('.')), path);
  }
  support = join(work, 'support');
  for (const i of FOLDER_SAFE) {
    await mkdir(join(support, LABELS[i]!), { recursive: true });
    await copyFile(join(FIXTURE, FIXTURE_CLASSES[i]!, '00.png'), join(support, LABELS[i]!, '00.png'));
  }
});

after(() => removeDir(work));

/** Runs `tasks` two at a time (the machine has 2 cores; each is a separate process). */
async function inPairs<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += 2) results.push(...(await Promise.all(tasks.slice(i, i + 2).map((t) => t()))));
  return results;
}

function assertNoRawControl(r: CliResult): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    assert.ok(!text.includes(ESC), `no raw ESC on ${name}:\n${JSON.stringify(text)}`);
    assert.ok(!/[\0\x07\u202e]/.test(text), `no NUL, BEL or bidi override on ${name}:\n${JSON.stringify(text)}`);
  }
}

/**
 * A copy of `source` whose `hypertx` metadata text is replaced by `metadata` (as JSON, padded with
 * spaces to the old length, so the container's offsets and lengths stay valid).
 */
async function withMetadata(source: string, name: string, change: (m: Record<string, unknown>) => unknown): Promise<string> {
  const bytes = await readFile(source);
  const original = (await readModelFile(source)).summary.metadata!;
  const oldText = Buffer.from(JSON.stringify(original));
  const at = bytes.indexOf(oldText);
  assert.ok(at >= 0, `the metadata JSON of ${source} is stored verbatim`);
  const newText = JSON.stringify(change(structuredClone(original) as unknown as Record<string, unknown>));
  assert.ok(Buffer.byteLength(newText) <= oldText.length, 'the new metadata fits in place');
  Buffer.from(newText.padEnd(oldText.length, ' ')).copy(bytes, at);
  const target = join(work, name);
  await writeFile(target, bytes);
  return target;
}

describe('wrongly typed metadata: exit 3, naming the file and the field', () => {
  type Input = { normalization: { scale: unknown } | null };
  const cases: [what: string, field: string, change: (m: Record<string, unknown>) => unknown][] = [
    ['"labels":"abc"', 'labels', (m) => ({ ...m, labels: 'abc' })],
    ['"scale":"x"', 'input.normalization.scale', (m) => ((m['input'] as Input).normalization!.scale = 'x') && m],
    ['"normalization":null', 'input.normalization', (m) => (((m['input'] as Input).normalization = null), m)],
    ['a misspelled key', 'labels', ({ labels, ...m }) => ({ ...m, lables: labels })],
  ];
  for (const ext of ['.onnx', '.tflite']) {
    for (const [what, field, change] of cases) {
      it(`${ext} with ${what}: inspect and verify exit 3 naming ${field}`, async () => {
        const bad = await withMetadata(file(ext), `bad-${field}-${what.length}${ext}`, change);
        const [inspect, verify, json] = await inPairs([
          () => runCli(['inspect', bad]),
          () => runCli(['verify', bad, '-s', support]),
          () => runCli(['inspect', bad, '--json']),
        ]);
        for (const r of [inspect, verify]) {
          assert.equal(r.code, EXIT.input, describeRun(r));
          assert.ok(r.stderr.includes(bad), `stderr names the file:\n${r.stderr}`);
          assert.match(r.stderr, new RegExp(`field ${field.replaceAll('.', '\\.')}\\b`), `stderr names the field`);
          assert.doesNotMatch(r.stderr, STACK_FRAME);
          assert.equal(r.stdout, '');
        }
        assert.equal(json.code, EXIT.input);
        const error = parseJson<{ ok: boolean; error: { code: string; path: string } }>(json).error;
        assert.deepEqual([error.code, error.path], ['E_METADATA_INVALID', bad]);
      });
    }
  }

  it('an unknown extra key is read, with a warning that names it', async () => {
    const odd = await withMetadata(file('.onnx'), 'unknown-key.onnx', ({ modelId: _, ...m }) => ({ ...m, modelID: 'x' }));
    const [human, json] = await inPairs([() => runCli(['inspect', odd]), () => runCli(['inspect', odd, '--json'])]);
    assert.equal(human.code, 0, describeRun(human));
    assert.match(human.stdout, /warning .*does not know.*modelID/);
    assert.deepEqual(parseJson<{ warnings: string[] }>(json).warnings.length, 1);
  });
});

describe('labels, producers and paths with escape sequences', () => {
  it('inspect shows them escaped in human output, one line per field, and exact in JSON', async () => {
    const hostile = await withMetadata(file('.onnx'), `hostile ${ESC}[2J.onnx`, ({ supportSetHash: _, ...m }) => ({ ...m, producer: `evil${HOSTILE}` }));
    for (const target of [file('.onnx'), file('.tflite'), file('.cc'), hostile]) {
      const [human, json] = await inPairs([() => runCli(['inspect', target]), () => runCli(['inspect', target, '--json'])]);
      assert.equal(human.code, 0, describeRun(human));
      assertNoRawControl(human);
      assert.ok(human.stdout.includes('\\u001b]0;pwned\\u0007\\u001b[2J\\u202e'), human.stdout);
      const labelsLine = human.stdout.split('\n').find((l) => l.startsWith('  labels '))!;
      assert.ok(labelsLine.includes('line\\nbreak') && labelsLine.includes('nul\\u0000byte'), labelsLine);
      const parsed = parseJson<{ path: string; metadata: { labels: string[]; producer: string } }>(json);
      assert.equal(parsed.path, target, 'the JSON path is exact');
      assert.deepEqual(parsed.metadata.labels.slice().sort(), LABELS.slice().sort(), 'the JSON labels are exact');
      if (target === hostile) assert.equal(parsed.metadata.producer, `evil${HOSTILE}`);
    }
  });

  it('verify shows the path escaped; an error quoting the labels is escaped on stderr and exact in JSON', async () => {
    const unknownClass = join(work, 'support-unknown-class');
    await mkdir(join(unknownClass, `zz${ESC}[2J`), { recursive: true });
    await copyFile(join(FIXTURE, FIXTURE_CLASSES[0]!, '00.png'), join(unknownClass, `zz${ESC}[2J`, '00.png'));
    await mkdir(join(unknownClass, LABELS[2]!));
    await copyFile(join(FIXTURE, FIXTURE_CLASSES[2]!, '00.png'), join(unknownClass, LABELS[2]!, '00.png'));
    const [ok, error, errorJson] = await inPairs([
      () => runCli(['verify', file('.onnx'), '-s', support]),
      () => runCli(['verify', file('.onnx'), '-s', unknownClass]),
      () => runCli(['verify', file('.onnx'), '-s', unknownClass, '--json']),
    ]);
    assert.equal(ok.code, 0, describeRun(ok));
    assertNoRawControl(ok);
    assert.ok(ok.stdout.includes('out \\u001b[2J'), ok.stdout);
    assert.equal(error.code, EXIT.input, describeRun(error));
    assertNoRawControl(error);
    assert.match(error.stderr, /classes the model does not know: zz\\u001b\[2J/);
    const message = parseJson<{ error: { code: string; message: string } }>(errorJson).error;
    assert.equal(message.code, 'E_LABELS_MISMATCH');
    assert.ok(message.message.includes(`zz${ESC}[2J`) && message.message.includes(HOSTILE), 'the JSON message is exact');
  });

  it('compile shows class folder names escaped, and exact in --json', async () => {
    const [human, json] = await inPairs([
      () => runCli(['compile', support, '-m', join(work, 'small.hxmodel'), '-f', 'onnx', '-o', join(work, `compiled ${ESC}[2J`) + '/', '--no-verify']),
      () => runCli(['compile', support, '-m', join(work, 'small.hxmodel'), '-f', 'onnx', '-o', join(work, 'compiled-json') + '/', '--no-verify', '--json']),
    ]);
    assert.equal(human.code, 0, describeRun(human));
    assertNoRawControl(human);
    assert.ok(human.stdout.includes('line\\nbreak') && human.stdout.includes('\\u001b]0;pwned'), human.stdout);
    assert.deepEqual(parseJson<{ labels: string[] }>(json).labels.slice().sort(), FOLDER_SAFE.map((i) => LABELS[i]!).sort());
  });
});

describe('C array labels: any string round-trips through compile → .cc → inspect / verify', () => {
  it('inspect reads every label back exactly, and verify exits 0', async () => {
    const [inspect, verify, verifyH] = await inPairs([
      () => runCli(['inspect', file('.cc'), '--json']),
      () => runCli(['verify', file('.cc'), '-s', support, '--json']),
      () => runCli(['verify', file('.h'), '-s', support]),
    ]);
    assert.equal(inspect.code, 0, describeRun(inspect));
    const labels = parseJson<{ metadata: { labels: string[] } }>(inspect).metadata.labels;
    assert.deepEqual(labels.slice().sort(), LABELS.slice().sort());
    assert.equal(verify.code, 0, describeRun(verify));
    assert.equal(parseJson<{ ok: boolean; images: number }>(verify).images, FOLDER_SAFE.length);
    assert.equal(verifyH.code, 0, describeRun(verifyH));
    assertNoRawControl(verifyH);
  });

  it('the .cc and .h are printable ASCII, with one comment each', async () => {
    for (const ext of ['.cc', '.h']) {
      const text = await readFile(file(ext), 'utf8');
      assert.match(text, /^[\x20-\x7e\n]*$/, `${ext}: printable ASCII and newlines only`);
      assert.equal(text.split('*/').length, 2, `${ext}: one comment end`);
    }
  });
});

describe('verify checks the cheap things first', () => {
  /** A support folder whose one image cannot be decoded: reached only if verify decodes images. */
  async function supportWithCorruptImage(name: string, classes: string[]): Promise<string> {
    const dir = join(work, name);
    for (const c of classes) {
      await mkdir(join(dir, c), { recursive: true });
      await copyFile(join(supportFixture('bad/corrupt-png'), 'alphabet-01-character-01', '00.png'), join(dir, c, '00.png'));
    }
    return dir;
  }

  it('a file whose outputs have more classes than its metadata has labels fails (exit 4) before any image is decoded', async () => {
    const short = await withMetadata(file('.tflite'), 'four-labels.tflite', (m) => ({ ...m, labels: (m['labels'] as string[]).slice(0, 4) }));
    const dir = await supportWithCorruptImage('corrupt-known', [LABELS[2]!]);
    const r = await runCli(['verify', short, '-s', dir, '--json']);
    assert.equal(r.code, EXIT.verification, describeRun(r));
    const error = parseJson<{ error: { code: string; message: string } }>(r).error;
    assert.equal(error.code, 'E_METADATA_MISMATCH');
    assert.match(error.message, /5 classes, but the "hypertx" metadata lists 4 labels/);
  });

  it('a support folder with a class the file does not know fails before any image is decoded', async () => {
    const dir = await supportWithCorruptImage('corrupt-unknown', ['not-a-label']);
    const r = await runCli(['verify', file('.onnx'), '-s', dir, '--json']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    assert.equal(parseJson<{ error: { code: string } }>(r).error.code, 'E_LABELS_MISMATCH');
  });
});
