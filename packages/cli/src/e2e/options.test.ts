/**
 * Options a new user reaches for, and the messages around them: `--symbol` names the C array,
 * `--max-pixels` raises or lowers the image size limit that the huge-image hint points at, and
 * `--json` errors are pretty-printed like every other JSON result; and docs/cli.md's `inspect`
 * examples are what inspect prints.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../exit-codes.js';
import { STACK_FRAME, createSmallModel, describeRun, listFiles, makeTempDir, parseJson, removeDir, repoRoot, runCli, supportFixture } from '../test-support/cli.js';

const SUPPORT = supportFixture('glyphs-5way-1shot'); // 28×28 images: 784 pixels each
const HUGE = supportFixture('bad/huge-image');

let work: string;
let model: string;

before(async () => {
  work = await makeTempDir();
  model = await createSmallModel(work, 'small');
});

after(() => removeDir(work));

interface ErrorJson {
  ok: boolean;
  error: { code: string; kind: string; message: string; hint?: string; path?: string };
}

describe('compile --symbol', { concurrency: 2 }, () => {
  it('names the array, its length and its macros in the .cc and .h; verify and inspect read the file', async () => {
    const out = join(work, 'symbol');
    const r = await runCli(['compile', SUPPORT, '-m', model, '-f', 'c-array', '--symbol', 'glyph_model', '-o', out + '/', '-q']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
    assert.deepEqual(await listFiles(out), ['glyphs-5way-1shot_int8.cc', 'glyphs-5way-1shot_int8.h']);
    const header = await readFile(join(out, 'glyphs-5way-1shot_int8.h'), 'utf8');
    const source = await readFile(join(out, 'glyphs-5way-1shot_int8.cc'), 'utf8');
    assert.match(header, /^extern const unsigned char glyph_model\[\];$/m);
    assert.match(header, /^#define GLYPH_MODEL_SIZE \d+$/m);
    assert.match(header, /^#define GLYPH_MODEL_ARENA_BYTES \d+$/m);
    assert.match(source, /^alignas\(16\) const unsigned char glyph_model\[\] = \{$/m);
    assert.match(source, /^const unsigned int glyph_model_len = \d+;$/m);
    assert.doesNotMatch(header + source, /hypertx_model/);
    const [v, i] = await Promise.all([
      runCli(['verify', join(out, 'glyphs-5way-1shot_int8.cc'), '-s', SUPPORT]),
      runCli(['inspect', join(out, 'glyphs-5way-1shot_int8.h')]),
    ]);
    assert.equal(v.code, EXIT.ok, describeRun(v));
    assert.equal(i.code, EXIT.ok, describeRun(i));
    assert.match(i.stdout, /C array \(TFLite flatbuffer\)/);
  });

  it('without --symbol the array is hypertx_model', async () => {
    const out = join(work, 'default-symbol');
    const r = await runCli(['compile', SUPPORT, '-m', model, '-o', join(out, 'model.h'), '-q', '--no-verify']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
    assert.match(await readFile(join(out, 'model.h'), 'utf8'), /^extern const unsigned char hypertx_model\[\];$/m);
  });

  for (const [what, symbol, fragment] of [
    ['starts with a digit', '9lives', /--symbol "9lives" is not a C identifier/],
    ['has a hyphen', 'glyph-model', /--symbol "glyph-model" is not a C identifier/],
    ['has a space', 'my model', /--symbol "my model" is not a C identifier/],
  ] as const) {
    it(`a symbol that ${what} is a usage error naming it, before any work: exit 2`, async () => {
      const out = join(work, `bad-symbol-${symbol.replace(/\W/g, '_')}`);
      const r = await runCli(['compile', SUPPORT, '-m', model, '-f', 'c-array', '--symbol', symbol, '-o', out + '/', '--json']);
      assert.equal(r.code, EXIT.usage, describeRun(r));
      assert.match(r.stderr, fragment);
      assert.match(r.stderr, /hint +Use letters, digits and underscores/);
      assert.doesNotMatch(r.stderr, /Loading model/, 'fails before the model loads');
      assert.equal(parseJson<ErrorJson>(r).error.kind, 'usage');
      assert.deepEqual(await listFiles(out), []);
    });
  }

  it('--symbol without a c-array output is a usage error that says how to add one: exit 2', async () => {
    const r = await runCli(['compile', SUPPORT, '-m', model, '-f', 'onnx', '--symbol', 'glyph_model', '-o', join(work, 'no-c') + '/']);
    assert.equal(r.code, EXIT.usage, describeRun(r));
    assert.match(r.stderr, /--symbol glyph_model names the C array, but no c-array file is written \(formats: onnx\)/);
    assert.match(r.stderr, /Add c-array to -f/);
  });
});

describe('--max-pixels and the huge-image hint', { concurrency: 2 }, () => {
  it('compile: an image over the limit is E_IMAGE_TOO_LARGE naming the file and the limit; the hint names --max-pixels', async () => {
    const out = join(work, 'limited');
    const r = await runCli(['compile', SUPPORT, '-m', model, '--max-pixels', '700', '-o', out + '/', '--json']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    const json = parseJson<ErrorJson>(r);
    assert.equal(json.error.code, 'E_IMAGE_TOO_LARGE');
    assert.match(json.error.message, /^image .*glyphs-5way-1shot\/alphabet-\d\d-character-\d\d\/00\.png has more than 700 pixels$/);
    assert.equal(json.error.hint, 'Downscale it first, or raise the limit with --max-pixels <n>.');
    assert.match(r.stderr, /^hint +Downscale it first, or raise the limit with --max-pixels <n>\.$/m);
    assert.doesNotMatch(r.stderr, /maxInputPixels/, 'the hint names the flag, not the library option');
    assert.deepEqual(await listFiles(out), []);
  });

  it('compile: a limit at the images\' size compiles', async () => {
    const r = await runCli(['compile', SUPPORT, '-m', model, '--max-pixels', '784', '-f', 'hxcnn', '-o', join(work, 'at-limit') + '/', '-q']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
  });

  it('compile of bad/huge-image (100000×100000) names --max-pixels in its hint', async () => {
    const r = await runCli(['compile', HUGE, '-m', model, '-o', join(work, 'huge') + '/']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    assert.match(r.stderr, /has more than 67108864 pixels/);
    assert.match(r.stderr, /--max-pixels <n>/);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });

  it('verify and eval take the same limit', async () => {
    const out = join(work, 'for-verify');
    const c = await runCli(['compile', SUPPORT, '-m', model, '-f', 'hxcnn', '-o', out + '/', '-q']);
    assert.equal(c.code, EXIT.ok, describeRun(c));
    const [v, e] = await Promise.all([
      runCli(['verify', join(out, 'glyphs-5way-1shot.hxcnn'), '-s', SUPPORT, '--max-pixels', '100']),
      runCli(['eval', '-m', model, '-d', supportFixture('glyphs-5way-5shot'), '--engine', 'reference', '--episodes', '1', '--max-pixels', '100', '-q']),
    ]);
    for (const r of [v, e]) {
      assert.equal(r.code, EXIT.input, describeRun(r));
      assert.match(r.stderr, /has more than 100 pixels/);
      assert.match(r.stderr, /--max-pixels <n>/);
    }
  });

  for (const value of ['0', '-5', '1.5', 'lots']) {
    it(`--max-pixels ${value} is a usage error naming the value: exit 2`, async () => {
      const r = await runCli(['compile', SUPPORT, '--max-pixels', value]);
      assert.equal(r.code, EXIT.usage, describeRun(r));
      assert.ok(r.stderr.includes(`--max-pixels takes a whole number ≥ 1, got "${value}"`), r.stderr);
    });
  }
});

describe('help texts', { concurrency: 2 }, () => {
  it('compile --help lists --symbol and --max-pixels with their defaults', async () => {
    const r = await runCli(['compile', '--help']);
    assert.equal(r.code, EXIT.ok, describeRun(r));
    const help = r.stdout.replace(/\s+/g, ' ');
    assert.match(help, /--symbol <name> C identifier of the c-array format's array \(default: hypertx_model/);
    assert.match(help, /--max-pixels <n> refuse images with more pixels \(width × height\) than this, before decoding them \(default: 67108864, 64 Mi\)/);
  });

  for (const command of ['verify', 'eval']) {
    it(`${command} --help lists --max-pixels`, async () => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, EXIT.ok, describeRun(r));
      assert.match(r.stdout, /--max-pixels <n>/);
    });
  }
});

describe('--json errors', () => {
  it('are one pretty-printed JSON object on stdout, like successful results', async () => {
    const r = await runCli(['compile', supportFixture('bad/single-class'), '-m', model, '-o', join(work, 'single') + '/', '--json']);
    assert.equal(r.code, EXIT.input, describeRun(r));
    const json = parseJson<ErrorJson>(r);
    assert.equal(json.error.code, 'E_SUPPORT_TOO_FEW_CLASSES');
    assert.equal(r.stdout, JSON.stringify(json, null, 2) + '\n');
  });
});

describe('docs/cli.md shows what inspect prints', () => {
  const block = async (command: string): Promise<string[]> => {
    const doc = await readFile(join(repoRoot, 'docs/cli.md'), 'utf8');
    const start = doc.indexOf(`$ ${command}\n`);
    assert.ok(start >= 0, `docs/cli.md has no \`$ ${command}\` example`);
    const body = doc.slice(start + command.length + 3);
    return body.slice(0, body.indexOf('```')).trimEnd().split('\n');
  };

  it('`hypertx inspect default`: every line but the file path', async () => {
    const r = await runCli(['inspect', 'default'], { env: { NO_COLOR: '1' } });
    assert.equal(r.code, EXIT.ok, describeRun(r));
    const printed = r.stdout.trimEnd().split('\n');
    const documented = await block('hypertx inspect default');
    assert.match(documented[0]!, /^…\/packages\/pipeline\/models\/default\.hxmodel {2}HyperTransformer model/);
    assert.equal(documented[0]!.replace(/^\S+/, ''), printed[0]!.replace(/^\S+/, ''));
    assert.deepEqual(documented.slice(1), printed.slice(1), 'paste the output of `node packages/cli/bin/hypertx.js inspect default` into docs/cli.md');
  });

  it('`hypertx inspect glyphs.tflite` of the 5-way fixture: the same layers and parameters', async () => {
    const out = join(work, 'doc-example');
    const c = await runCli(['compile', SUPPORT, '-f', 'tflite', '-o', join(out, 'glyphs.tflite'), '-q']);
    assert.equal(c.code, EXIT.ok, describeRun(c));
    const r = await runCli(['inspect', 'glyphs.tflite'], { cwd: out, env: { NO_COLOR: '1' } });
    assert.equal(r.code, EXIT.ok, describeRun(r));
    const printed = r.stdout.trimEnd().split('\n');
    const documented = await block('hypertx inspect glyphs.tflite');
    for (const key of ['glyphs.tflite', '  input', '  outputs', '  pixels', '  labels', '  layers', '  params']) {
      assert.equal(documented.find((l) => l.startsWith(key)), printed.find((l) => l.startsWith(key)), `the "${key.trim()}" line`);
    }
  });
});
