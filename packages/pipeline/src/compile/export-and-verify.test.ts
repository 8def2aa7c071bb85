import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHypertxError, runReference } from '@hypertx/export';
import { randomCnn, randomPixels } from '@hypertx/export/testing';
import { exportAndVerify } from './export-and-verify.js';

describe('exportAndVerify', () => {
  const cnn = randomCnn(3);
  const count = 4;
  const rawPixels = randomPixels(5, cnn, count);
  const classes = cnn.labels.length;
  const expected = Float32Array.from(runReference(cnn, rawPixels, count).probabilities);

  it('returns the format\'s bytes with how they verified, in memory', async () => {
    const onnx = await exportAndVerify({ cnn, rawPixels, count, expected }, 'onnx', { verify: true, atol: 1e-4 });
    assert.equal(onnx.format, 'onnx');
    assert.equal(onnx.files[0]!.role, 'model');
    assert.equal(onnx.bytes, onnx.files[0]!.bytes.byteLength);
    assert.match(onnx.verification!.runtime, /^onnxruntime-node /);
    assert.ok(onnx.verification!.agreement.ok);
    const cArray = await exportAndVerify({ cnn, rawPixels, count, expected }, 'c-array', { verify: false, atol: 1e-4 });
    assert.deepEqual(cArray.files.map((f) => f.extension), ['.cc', '.h'], 'the model file first');
    assert.equal(cArray.verification, undefined, 'verification off');
  });

  it('a runtime that disagrees is E_VERIFY_MISMATCH (kind verification), naming the planned file', async () => {
    // A deliberately wrong expectation: every image certain of class 0.
    const wrong = new Float32Array(count * classes).map((_, i) => (i % classes === 0 ? 1 : 0));
    await assert.rejects(
      exportAndVerify({ cnn, rawPixels, count, expected: wrong }, 'onnx', { verify: true, atol: 1e-4, describe: () => 'out/m.onnx' }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_VERIFY_MISMATCH' && err.kind === 'verification' && err.message.startsWith('out/m.onnx: '),
    );
  });

  it('an unknown format is a usage error that suggests the closest', async () => {
    await assert.rejects(
      exportAndVerify({ cnn, rawPixels, count, expected }, 'tflite-int', { verify: true, atol: 1e-4 }),
      (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('did you mean "tflite-int8"?'),
    );
  });
});
