import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HypertxError } from './errors.js';
import { invalidCnnCases, paperOmniglotCnn, randomCnn } from './testing/index.js';
import { validate } from './validate.js';

test('paper Omniglot CNN: per-layer shapes', () => {
  const trace = validate(paperOmniglotCnn(1));
  assert.deepEqual(trace.input, [28, 28, 1]);
  assert.deepEqual(
    trace.layerOutputs.map((s) => s.join('x')),
    [
      '28x28x8', '28x28x8', '14x14x8', '14x14x8',
      '14x14x8', '14x14x8', '7x7x8', '7x7x8',
      '7x7x8', '7x7x8', '3x3x8', '3x3x8',
      '3x3x8', '3x3x8', '1x1x8', '1x1x8',
      '8', '20',
    ],
  );
  assert.equal(trace.classes, 20);
  assert.equal(trace.hasSoftmax, false);
});

test('same padding rounds up, valid rounds down, strides > 1', () => {
  const model = randomCnn(3);
  model.input = { ...model.input, height: 7, width: 8 };
  const c = model.input.channels;
  model.layers = [
    { type: 'conv2d', weights: { shape: [3, 3, c, 2], data: new Float32Array(9 * c * 2) }, stride: 2, padding: 'same' },
    { type: 'avgpool2d', size: 2, stride: 1, padding: 'valid' },
    { type: 'global_avg_pool' },
    { type: 'dense', weights: { shape: [2, 2], data: new Float32Array(4) } },
    { type: 'softmax' },
  ];
  model.labels = ['x', 'y'];
  const trace = validate(model);
  assert.deepEqual(trace.layerOutputs, [[4, 4, 2], [3, 3, 2], [2], [2], [2]]);
  assert.equal(trace.hasSoftmax, true);
  assert.deepEqual(trace.logits, [2]);
});

test('every random model of seeds 0..199 is valid', () => {
  for (let seed = 0; seed < 200; seed++) validate(randomCnn(seed));
});

for (const broken of invalidCnnCases()) {
  test(`rejects: ${broken.name}`, () => {
    assert.throws(
      () => validate(broken.model),
      (err: unknown) => {
        assert.ok(err instanceof HypertxError, 'a HypertxError');
        assert.equal(err.code, 'E_IR_INVALID');
        assert.equal(err.kind, 'input');
        assert.ok(err.message.includes(broken.messageIncludes), `message "${err.message}" should include "${broken.messageIncludes}"`);
        return true;
      },
    );
  });
}

test('error names the layer index and type', () => {
  const model = paperOmniglotCnn(0);
  model.layers[4] = { type: 'conv2d', weights: { shape: [3, 3, 4, 8], data: new Float32Array(3 * 3 * 4 * 8) }, stride: 1, padding: 'same' };
  assert.throws(() => validate(model), /^HypertxError: layer 4 \(conv2d\): weights shape \[3,3,4,8\] expects input channels 4, but the input has 8 channels$/);
});
