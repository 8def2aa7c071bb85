import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { compile } from './compile/compile.js';
import { loadModel } from './models.js';
import { runUntrustedModel } from './run-untrusted.js';
import { supportFixture } from './test-support/paths.js';
import { runModelBytes } from './verify.js';

let bytes: Uint8Array;
const pixels = new Float32Array(2 * 32 * 32).map((_, i) => (i * 37) % 256);

before(async () => {
  const model = await loadModel('default');
  const result = await compile(supportFixture('glyphs-5way-1shot'), { model, formats: ['tflite'] });
  bytes = result.formats[0]!.files[0]!.bytes;
});

test('a file runs on a thread of its own and gives what the runtime gives in-process', async () => {
  const isolated = await runUntrustedModel('m.tflite', { format: 'tflite', bytes, pixels, count: 2 });
  const inProcess = await runModelBytes('tflite', bytes, pixels, 2);
  assert.deepEqual(isolated.outputs.shape, inProcess.outputs.shape);
  assert.deepEqual(Array.from(isolated.outputs.probabilities), Array.from(inProcess.outputs.probabilities));
  assert.equal(isolated.runtime, inProcess.runtime);
});

test('a file that runs past the time limit is stopped and reported as input naming it', async () => {
  await assert.rejects(
    runUntrustedModel('slow.tflite', { format: 'tflite', bytes, pixels, count: 2 }, 1),
    (err: unknown) => isHypertxError(err) && err.code === 'E_MODEL_RUN' && err.kind === 'input' && err.message.startsWith('slow.tflite: ') && /did not finish/.test(err.message),
  );
});

test('a typed error from the thread (the reader refusing junk bytes) arrives typed, naming the file', async () => {
  await assert.rejects(
    runUntrustedModel('junk.tflite', { format: 'tflite', bytes: new Uint8Array(64).fill(7), pixels, count: 2 }),
    (err: unknown) => isHypertxError(err) && err.path === 'junk.tflite' && /past the end of the file/.test(err.message),
  );
});
