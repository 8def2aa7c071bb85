import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hxcnnFormat } from './hxcnn-format.js';
import { runReference } from './reference.js';
import { invalidCnnCases, randomCnn, randomPixels } from './testing/index.js';

test('hxcnn plugin writes the IR and runs it in the reference engine', async () => {
  const model = randomCnn(21);
  const [file] = await hxcnnFormat.write(model);
  assert.equal(file!.extension, '.hxcnn');
  const runner = await hxcnnFormat.createRunner!(file!.bytes);
  const pixels = randomPixels(21, model, 3);
  const got = await runner.run(pixels, 3);
  const want = runReference(model, pixels, 3);
  assert.deepEqual(got.logits, Float32Array.from(want.logits));
  assert.deepEqual(got.shape, want.shape);
  assert.match(runner.runtime, /^hypertx reference \(float64\) /);
  await runner.dispose();
});

test('hxcnn plugin rejects invalid models before writing', async () => {
  for (const broken of invalidCnnCases()) {
    await assert.rejects(hxcnnFormat.write(broken.model), { code: 'E_IR_INVALID' });
  }
});
