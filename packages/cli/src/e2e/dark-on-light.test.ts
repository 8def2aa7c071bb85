/**
 * Dark ink on light paper (issue 6.2): `glyphs-5way-1shot-dark` holds the same glyphs as
 * `glyphs-5way-1shot`, drawn blue-black on off-white at 64×64 RGB. Compile bakes the inversion
 * (and the paper/ink levels) into the file's input normalisation, so each file, fed RAW pixels in
 * its own polarity, must see the same model input and reach the same accuracy.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readModelFile } from '../model-files/read-model-file.js';
import { loadRawSupport } from '../support.js';
import { measureFileAccuracy, type FileAccuracy } from '../test-support/accuracy.js';
import {
  createSmallModel,
  defaultModelSkip,
  describeRun,
  makeTempDir,
  queryFixture,
  removeDir,
  runCli,
  supportFixture,
} from '../test-support/cli.js';

const LIGHT = 'glyphs-5way-1shot';
const DARK = 'glyphs-5way-1shot-dark';

let work: string;
before(async () => {
  work = await makeTempDir();
});
after(() => removeDir(work));

/** Compiles both polarities with `model` into `dir` (onnx + tflite) and returns the file paths. */
async function compileBoth(model: string, dir: string): Promise<void> {
  const runs = await Promise.all([LIGHT, DARK].map((set) => runCli(['compile', supportFixture(set), '-m', model, '-f', 'onnx,tflite', '-o', dir + '/', '-q'])));
  for (const r of runs) assert.equal(r.code, 0, describeRun(r));
}

/** Each file's baked normalisation applied to its own raw query pixels. */
async function modelInputs(file: string, queryDir: string): Promise<Float32Array> {
  const meta = (await readModelFile(file)).summary.metadata!;
  const raw = await loadRawSupport(queryDir, meta.input);
  const { scale, offset } = meta.input.normalization;
  const c = meta.input.channels;
  return raw.pixels.map((p, i) => p * scale[i % c]! + offset[i % c]!);
}

describe('dark-on-light with a small untrained model', () => {
  let dir: string;
  before(async () => {
    dir = join(work, 'small');
    await compileBoth(await createSmallModel(work, 'small'), dir);
  });

  it('the dark file carries a negative input scale (inversion baked in), the light one a positive scale', async () => {
    const light = (await readModelFile(join(dir, `${LIGHT}.onnx`))).summary.metadata!;
    const dark = (await readModelFile(join(dir, `${DARK}.onnx`))).summary.metadata!;
    assert.ok(light.input.normalization.scale.every((s) => s > 0), `light scale ${light.input.normalization.scale}`);
    assert.ok(dark.input.normalization.scale.every((s) => s < 0), `dark scale ${dark.input.normalization.scale}`);
    assert.deepEqual(dark.labels, light.labels, 'same classes');
    // The same glyphs, so the same supports → the metadata says the input is 28×28×1 for both.
    assert.deepEqual([dark.input.height, dark.input.width, dark.input.channels], [28, 28, 1]);
  });

  it('raw dark queries and raw light queries become nearly the same model input (mean |Δ| < 0.05 on [-1, 1])', async () => {
    const light = await modelInputs(join(dir, `${LIGHT}.onnx`), queryFixture(LIGHT));
    const dark = await modelInputs(join(dir, `${DARK}.onnx`), queryFixture(DARK));
    assert.equal(light.length, dark.length);
    let sum = 0;
    for (let i = 0; i < light.length; i++) sum += Math.abs(light[i]! - dark[i]!);
    const mean = sum / light.length;
    assert.ok(mean < 0.05, `mean |Δ input| ${mean.toFixed(4)}`);
  });

  it('ONNX and TFLite files of each polarity classify the raw queries identically', async (t) => {
    for (const set of [LIGHT, DARK]) {
      const onnx = await measureFileAccuracy(join(dir, `${set}.onnx`), queryFixture(set));
      const tflite = await measureFileAccuracy(join(dir, `${set}.tflite`), queryFixture(set));
      assert.equal(onnx.total, 25);
      assert.equal(tflite.correct, onnx.correct, `${set}: onnx ${onnx.correct}/25, tflite ${tflite.correct}/25`);
      t.diagnostic(`${set} (untrained model): ${onnx.correct}/${onnx.total}`);
    }
  });
});

describe('dark-on-light with the bundled model (-m default)', () => {
  it('compiles both polarities; their accuracies on the raw query sets agree within one image', { skip: defaultModelSkip }, async (t) => {
    const dir = join(work, 'default');
    await compileBoth('default', dir);
    const results: Record<string, FileAccuracy> = {};
    for (const set of [LIGHT, DARK]) {
      results[set] = await measureFileAccuracy(join(dir, `${set}.onnx`), queryFixture(set));
      t.diagnostic(`${set}: ${results[set]!.correct}/${results[set]!.total}`);
    }
    const light = results[LIGHT]!;
    const dark = results[DARK]!;
    assert.ok(Math.abs(light.correct - dark.correct) <= 1, `light ${light.correct}/25 vs dark ${dark.correct}/25`);
    assert.ok(dark.normalization.scale.every((s) => s < 0));
    // A trained model does better than chance (5-way: 5/25) on the light set.
    assert.ok(light.correct > 10, `light accuracy ${light.correct}/25`);
  });
});
