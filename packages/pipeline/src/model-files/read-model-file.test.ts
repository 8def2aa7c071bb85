/**
 * `parameters` means one thing in every format (`countParameters` in @hypertx/export): the same
 * network reports the same count as ONNX, TFLite float32 and int8, C array and .hxcnn.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { countParameters, hxcnnFormat } from '@hypertx/export';
import { randomCnn, randomPixels } from '@hypertx/export/testing';
import { inspectOnnx, onnxFormat } from '@hypertx/export-onnx';
import { inspectTflite, tfliteFormat, tfliteInt8Format, tfliteParameterCount } from '@hypertx/export-tflite';
import { compile } from '../compile/compile.js';
import { writeCompiled } from '../output/write-compiled.js';
import { supportFixture } from '../test-support/paths.js';
import { readModelFile } from './read-model-file.js';

describe('parameters: one definition, every format', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hypertx-params-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('one support set compiled to onnx, tflite, tflite-int8, c-array and hxcnn reports one count', async () => {
    const result = await compile(supportFixture('glyphs-5way-1shot'), { formats: ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn'], verify: false });
    const written = await writeCompiled(result.formats, { output: work + '/', baseName: 'glyphs' });
    const counts: Record<string, number> = {};
    for (const w of written) counts[w.format] = (await readModelFile(w.path)).summary.parameters;
    // The bundled default's CNN for 5 classes: conv 3×3 1→8, three conv 3×3 8→8 (weights + one bias per
    // output channel), dense 32→5, and the three BatchNorms that do not fold (scale + shift per channel);
    // the fourth folds into the dense layer.
    const expected = 3 * 3 * 1 * 8 + 8 + 3 * (3 * 3 * 8 * 8 + 8) + (32 * 5 + 5) + 3 * 2 * 8;
    assert.deepEqual(counts, { onnx: expected, tflite: expected, 'tflite-int8': expected, 'c-array': expected, hxcnn: expected });
    assert.equal(countParameters(result.cnn), expected);
  });

  it('random networks (every layer type, normalisation folded into the first conv or not) count alike in every format', async () => {
    for (let seed = 0; seed < 12; seed++) {
      const model = randomCnn(seed);
      const calibration = { pixels: randomPixels(seed, model, 4), count: 4 };
      const [onnx] = await onnxFormat.write(model);
      const [tflite] = await tfliteFormat.write(model);
      const [int8] = await tfliteInt8Format.write(model, { calibration });
      const [hxcnn] = await hxcnnFormat.write(model);
      const expected = countParameters(model);
      assert.equal(inspectOnnx(onnx!.bytes).parameters, expected, `seed ${seed}: onnx`);
      assert.equal(tfliteParameterCount(inspectTflite(tflite!.bytes)), expected, `seed ${seed}: tflite`);
      assert.equal(tfliteParameterCount(inspectTflite(int8!.bytes)), expected, `seed ${seed}: tflite-int8`);
      const file = join(work, `random-${seed}.hxcnn`);
      await writeFile(file, hxcnn!.bytes);
      assert.equal((await readModelFile(file)).summary.parameters, expected, `seed ${seed}: hxcnn`);
    }
  });
});
