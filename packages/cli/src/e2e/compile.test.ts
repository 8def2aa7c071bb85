/**
 * End to end: the built `hypertx` binary compiles the 5-way fixture into every float format, and
 * `inspect` / `verify` read the files back. One JSON compile is shared by most assertions.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
  type CliResult,
} from '../test-support/cli.js';

interface CompileJson {
  ok: boolean;
  labels: string[];
  ink: string;
  images: { labelled: number; unlabeled: number };
  supportSetHash: string;
  files: { path: string; paths: string[]; format: string; bytes: number; verified: boolean; runtime: string | null; maxAbsDiff: number | null }[];
  timingsMs: Record<string, number>;
}

const SUPPORT = supportFixture('glyphs-5way-1shot');
const CLASSES = ['alphabet-01-character-01', 'alphabet-02-character-03', 'alphabet-03-character-05', 'alphabet-04-character-07', 'alphabet-05-character-09'];

let work: string;
let model: string;
let otherModel: string;
let compiled: CliResult;
let json: CompileJson;
const out = () => join(work, 'out');

before(async () => {
  work = await makeTempDir();
  model = await createSmallModel(work, 'small', { seed: 1 });
  otherModel = await createSmallModel(work, 'other', { seed: 2 });
  compiled = await runCli(['compile', SUPPORT, '-m', model, '-f', 'onnx,tflite,tflite-int8,c-array,hxcnn', '-o', out() + '/', '--json'], { cwd: work });
  assert.equal(compiled.code, 0, describeRun(compiled));
  json = parseJson<CompileJson>(compiled);
});

after(() => removeDir(work));

describe('compile --json', () => {
  it('prints one JSON object with ok, labels, ink, image counts and a support-set hash', () => {
    assert.equal(json.ok, true);
    assert.deepEqual(json.labels, CLASSES);
    assert.equal(json.ink, 'bright');
    assert.deepEqual(json.images, { labelled: 5, unlabeled: 0 });
    assert.match(json.supportSetHash, /^[0-9a-f]{64}$/);
  });

  it('lists every file with path, format, bytes and verified; the bytes are the file sizes', async () => {
    assert.deepEqual(
      json.files.map((f) => f.format),
      ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn'],
    );
    for (const f of json.files) {
      assert.equal(typeof f.path, 'string');
      assert.ok(f.paths.includes(f.path), `${f.format}: path is one of paths`);
      assert.equal(typeof f.verified, 'boolean');
      assert.equal((await stat(f.path)).size, f.bytes, `${f.path}: bytes`);
    }
    const byFormat = Object.fromEntries(json.files.map((f) => [f.format, f]));
    for (const format of ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn']) {
      const f = byFormat[format]!;
      assert.equal(f.verified, true, `${format} verified`);
      assert.ok(f.runtime && f.runtime.length > 0, `${format} names its runtime`);
      // Float files match the generated network; int8 files match their own int8 graph (within 2/256).
      const tolerance = format === 'tflite-int8' || format === 'c-array' ? 2 / 256 : 1e-4;
      assert.ok(f.maxAbsDiff !== null && f.maxAbsDiff <= tolerance, `${format}: max |Δp| ${f.maxAbsDiff}`);
    }
    assert.match(byFormat['onnx']!.runtime!, /onnxruntime/);
    for (const format of ['tflite', 'tflite-int8', 'c-array']) assert.match(byFormat[format]!.runtime!, /LiteRT/);
    // How far int8 moved the probabilities from the float network is reported alongside.
    const versusFloat = (byFormat['tflite-int8'] as unknown as { versusFloat: { maxAbsDiff: number; argmaxAgreement: number } }).versusFloat;
    assert.equal(typeof versusFloat.maxAbsDiff, 'number');
  });

  it('writes exactly the listed files into -o dir/, named from the support folder, and no temp files', async () => {
    assert.deepEqual(await listFiles(out()), [
      'glyphs-5way-1shot.hxcnn',
      'glyphs-5way-1shot.onnx',
      'glyphs-5way-1shot.tflite',
      'glyphs-5way-1shot_int8.cc',
      'glyphs-5way-1shot_int8.h',
      'glyphs-5way-1shot_int8.tflite',
    ]);
    const cArray = json.files.find((f) => f.format === 'c-array')!;
    assert.deepEqual(cArray.paths.map((p) => p.slice(out().length + 1)).sort(), ['glyphs-5way-1shot_int8.cc', 'glyphs-5way-1shot_int8.h']);
    assert.match(await readFile(join(out(), 'glyphs-5way-1shot_int8.cc'), 'utf8'), /unsigned char/);
  });

  it('reports the timing breakdown and keeps stderr free of progress and stack traces', () => {
    for (const phase of ['startup', 'imports', 'modelLoad', 'imageLoad', 'generate', 'exportAndVerify', 'total', 'cpu']) {
      assert.equal(typeof json.timingsMs[phase], 'number', `timingsMs.${phase}`);
    }
    assert.doesNotMatch(compiled.stderr, STACK_FRAME);
    assert.doesNotMatch(compiled.stderr, /Loading model/, '--json implies no progress');
  });
});

describe('compile (text mode) and output naming', { concurrency: 2 }, () => {
  it('without -o writes ./<support-dir name>.* in the working directory and prints one line per file', async () => {
    const cwd = join(work, 'cwd-default');
    await mkdir(cwd);
    const r = await runCli(['compile', SUPPORT, '-m', model, '-f', 'onnx,hxcnn'], { cwd });
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await listFiles(cwd), ['glyphs-5way-1shot.hxcnn', 'glyphs-5way-1shot.onnx']);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, `two file lines and a summary:\n${r.stdout}`);
    assert.match(lines[0]!, /^✓ onnx +glyphs-5way-1shot\.onnx .*verified in onnxruntime/);
    assert.match(lines[1]!, /^✓ hxcnn +glyphs-5way-1shot\.hxcnn .*verified/);
    assert.match(lines[2]!, /^Done in .*: 2 files for 5 classes \(alphabet-01-character-01, /);
    // Progress goes to stderr, never stdout.
    assert.match(r.stderr, /Loading model/);
    assert.doesNotMatch(r.stdout, /Loading model/);
  });

  it('reads <support>/_unlabeled by default; --no-verify writes unverified files and says so', async () => {
    const dir = join(work, 'five-shot');
    const r = await runCli(['compile', supportFixture('glyphs-5way-5shot'), '-m', model, '-f', 'onnx', '-o', dir + '/', '--no-verify', '--json']);
    assert.equal(r.code, 0, describeRun(r));
    const result = parseJson<CompileJson>(r);
    assert.deepEqual(result.images, { labelled: 25, unlabeled: 15 });
    assert.deepEqual(
      result.files.map((f) => [f.format, f.verified, f.runtime, f.maxAbsDiff]),
      [['onnx', false, null, null]],
    );
    assert.deepEqual(await listFiles(dir), ['glyphs-5way-5shot.onnx']);
  });

  it('unlabelled images are self-labelled and verified; --no-self-label keeps them as tokens (another model)', async () => {
    const runs = await Promise.all(
      [[], ['--no-self-label']].map(async (extra, i) => {
        const dir = join(work, `self-label-${i}`);
        const r = await runCli(['compile', supportFixture('glyphs-5way-5shot'), '-m', model, '-f', 'onnx', '-o', dir + '/', '--json', ...extra]);
        assert.equal(r.code, 0, describeRun(r));
        const result = parseJson<CompileJson>(r);
        assert.deepEqual(result.images, { labelled: 25, unlabeled: 15 });
        assert.equal(result.files[0]!.verified, true, 'the file matches the in-framework CNN of the same labelling');
        return readFile(join(dir, 'glyphs-5way-5shot.onnx'));
      }),
    );
    assert.notDeepEqual(runs[0], runs[1]);
  });

  it('-o name.tflite writes that one file, in the format its extension names', async () => {
    const target = join(work, 'named', 'glyphs.tflite');
    const r = await runCli(['compile', SUPPORT, '-m', model, '-o', target, '-q'], { cwd: work });
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await listFiles(join(work, 'named')), ['glyphs.tflite']);
    assert.equal(r.stderr, '', '-q prints nothing on stderr');
    assert.match(r.stdout, /^✓ tflite +.*glyphs\.tflite .*verified in LiteRT/m);
  });
});

describe('inspect', { concurrency: 2 }, () => {
  const cases: [file: string, format: RegExp, ops: RegExp][] = [
    ['glyphs-5way-1shot.onnx', /ONNX/, /Conv/],
    ['glyphs-5way-1shot.tflite', /TFLite float32/, /CONV_2D/],
    ['glyphs-5way-1shot_int8.tflite', /TFLite int8/, /QUANTIZE/],
    ['glyphs-5way-1shot.hxcnn', /hypertx CNN \(IR\)/, /conv2d/],
  ];
  for (const [name, format, ops] of cases) {
    it(`shows format, input spec, labels and layers of ${name}`, async () => {
      const r = await runCli(['inspect', join(out(), name)]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, format);
      assert.match(r.stdout, /pixels +28×28×1, raw 0\.\.255 → x·/);
      assert.match(r.stdout, new RegExp(`labels +5: ${CLASSES.join(', ')}`));
      assert.match(r.stdout, ops);
      assert.match(r.stdout, /params +[\d,]+/);
    });
  }

  it('--json gives the same facts as one object', async () => {
    const r = await runCli(['inspect', join(out(), 'glyphs-5way-1shot.onnx'), '--json']);
    assert.equal(r.code, 0, describeRun(r));
    const s = parseJson<{ ok: boolean; format: string; metadata: { labels: string[]; input: { height: number } }; parameters: number; inputs: unknown[] }>(r);
    assert.equal(s.ok, true);
    assert.equal(s.format, 'onnx');
    assert.deepEqual(s.metadata.labels, CLASSES);
    assert.equal(s.metadata.input.height, 28);
    assert.ok(s.parameters > 0);
    assert.equal(s.inputs.length, 1);
  });

  it('reads the C array through its .cc or its .h: the TFLite int8 model it holds', async () => {
    for (const name of ['glyphs-5way-1shot_int8.cc', 'glyphs-5way-1shot_int8.h']) {
      const r = await runCli(['inspect', join(out(), name)]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, /C array \(TFLite flatbuffer\)/);
      assert.match(r.stdout, /holds tflite-int8, tfliteBytes \d+/);
      assert.match(r.stdout, new RegExp(`labels +5: ${CLASSES[0]}`));
    }
  });

  it('shows what a HyperTransformer file generates and accepts, by path or bundled name', async () => {
    const r = await runCli(['inspect', model]);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /HyperTransformer model/);
    assert.match(r.stdout, /cnn +4 conv blocks × 4 channels, 3×3 kernels: 4 of 4 conv blocks generated; logits generated/);
    assert.match(r.stdout, /pixels +28×28×1/);
    assert.match(r.stdout, /accepts +2–10 classes, ≥1 labelled image per class/);
    assert.match(r.stdout, /bn prior +none/);

    const bundled = await runCli(['inspect', 'default', '--json']);
    assert.equal(bundled.code, 0, describeRun(bundled));
    const s = parseJson<{ ok: boolean; kind: string; format: string; image: { height: number }; resumable: boolean; bnPriorWeight?: number; metadata: Record<string, string> }>(bundled);
    assert.equal(s.ok, true);
    assert.equal(s.kind, 'hypertransformer');
    assert.equal(s.format, 'hxmodel');
    assert.equal(s.resumable, false);
    assert.ok(s.image.height > 0);
    assert.ok((s.bnPriorWeight ?? 0) > 0, 'the bundled default carries a BatchNorm prior');
    assert.ok(s.metadata.recipe, 'names the recipe it was trained with');
  });

  it('names a truncated HyperTransformer file: exit 3, no stack trace', async () => {
    const bytes = await readFile(model);
    const file = join(work, 'truncated.hxmodel');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runCli(['inspect', file]);
    assert.equal(r.code, 3, describeRun(r));
    assert.ok(r.stderr.includes(file), r.stderr);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });

  it('names a C source without a byte array: exit 3', async () => {
    const file = join(work, 'empty.cc');
    await writeFile(file, '// nothing here\n');
    const r = await runCli(['inspect', file]);
    assert.equal(r.code, 3, describeRun(r));
    assert.ok(r.stderr.includes(file), r.stderr);
  });
});

describe('verify', { concurrency: 2 }, () => {
  it('runs the ONNX file on the support images: exit 0 and every image classified as its folder', async () => {
    const r = await runCli(['verify', join(out(), 'glyphs-5way-1shot.onnx'), '-s', SUPPORT, '--json']);
    assert.equal(r.code, 0, describeRun(r));
    const v = parseJson<{ ok: boolean; format: string; images: number; supportAccuracy: number; problems: string[] }>(r);
    assert.equal(v.ok, true);
    assert.equal(v.format, 'onnx');
    assert.equal(v.images, 5);
    assert.deepEqual(v.problems, []);
  });

  it('agrees with the float64 reference of the matching .hxcnn (TFLite file): exit 0', async () => {
    const r = await runCli(['verify', join(out(), 'glyphs-5way-1shot.tflite'), '-s', SUPPORT, '-r', join(out(), 'glyphs-5way-1shot.hxcnn')]);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^✓ .*glyphs-5way-1shot\.tflite \(tflite\): 5 images/);
  });

  it('checks the int8 file against the reference too: exit 0', async () => {
    const r = await runCli(['verify', join(out(), 'glyphs-5way-1shot_int8.tflite'), '-s', SUPPORT, '-r', join(out(), 'glyphs-5way-1shot.hxcnn'), '--json']);
    assert.equal(r.code, 0, describeRun(r));
    const v = parseJson<{ ok: boolean; format: string; reference: { maxAbsDiff: number } }>(r);
    assert.equal(v.format, 'tflite-int8');
    assert.ok(v.reference.maxAbsDiff <= 2 / 256, `max |Δp| ${v.reference.maxAbsDiff}`);
  });

  it('runs the C array (parsed back from the .cc) against the reference: exit 0', async () => {
    const r = await runCli(['verify', join(out(), 'glyphs-5way-1shot_int8.cc'), '-s', SUPPORT, '-r', join(out(), 'glyphs-5way-1shot.hxcnn'), '--json']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(parseJson<{ format: string }>(r).format, 'c-array');
  });

  it('exits 4 when the reference is a different network, naming the reference', async () => {
    const otherDir = join(work, 'other');
    const c = await runCli(['compile', SUPPORT, '-m', otherModel, '-f', 'hxcnn', '-o', otherDir + '/', '-q']);
    assert.equal(c.code, 0, describeRun(c));
    const reference = join(otherDir, 'glyphs-5way-1shot.hxcnn');
    const r = await runCli(['verify', join(out(), 'glyphs-5way-1shot.onnx'), '-s', SUPPORT, '-r', reference]);
    assert.equal(r.code, 4, describeRun(r));
    assert.match(r.stdout, /^✗ /);
    assert.ok(r.stdout.includes(`differs from the reference ${reference}`), r.stdout);
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });
});

describe('help and version', { concurrency: 2 }, () => {
  for (const command of ['compile', 'train', 'eval', 'verify', 'inspect']) {
    it(`${command} --help prints its usage on stdout and exits 0`, async () => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, new RegExp(`^Usage: hypertx ${command} `));
      assert.match(r.stdout, /--json/);
    });
  }

  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, describeRun(r));
    for (const command of ['compile', 'train', 'eval', 'verify', 'inspect']) assert.match(r.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout.trim(), version);
    }
  });
});
