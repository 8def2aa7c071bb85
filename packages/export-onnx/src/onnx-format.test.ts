import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { HypertxError, hypertxMetadata, runReference, type StandaloneCnn } from '@hypertx/export';
import { invalidCnnCases, paperOmniglotCnn, randomCnn, randomPixels } from '@hypertx/export/testing';
import { inspectOnnx } from './inspect.js';
import { onnxFormat } from './onnx-format.js';
import { onnx } from './proto.js';

const TOLERANCE = 1e-5;

async function writeOnnx(model: StandaloneCnn, options?: Record<string, unknown>): Promise<Uint8Array> {
  const files = await onnxFormat.write(model, options);
  assert.equal(files.length, 1);
  assert.equal(files[0]!.extension, '.onnx');
  assert.equal(files[0]!.role, 'model');
  return files[0]!.bytes;
}

/** Max abs difference between onnxruntime and the float64 reference on `count` images. */
async function parity(model: StandaloneCnn, seed: number, count: number, options?: Record<string, unknown>) {
  const bytes = await writeOnnx(model, options);
  const runner = await onnxFormat.createRunner!(bytes);
  try {
    const pixels = randomPixels(seed, model, count);
    const got = await runner.run(pixels, count);
    const want = runReference(model, pixels, count);
    assert.deepEqual(got.shape, want.shape);
    let logits = 0;
    let probabilities = 0;
    for (let i = 0; i < want.logits.length; i++) {
      logits = Math.max(logits, Math.abs(got.logits[i]! - want.logits[i]!));
      probabilities = Math.max(probabilities, Math.abs(got.probabilities[i]! - want.probabilities[i]!));
    }
    return { logits, probabilities, bytes, runtime: runner.runtime };
  } finally {
    await runner.dispose();
  }
}

test('60 random models: onnxruntime matches the float64 reference within 1e-5 (batch of 4)', async () => {
  let worst = 0;
  for (let seed = 0; seed < 60; seed++) {
    const model = randomCnn(seed);
    const r = await parity(model, seed, 4);
    assert.ok(r.logits <= TOLERANCE, `seed ${seed}: logits differ by ${r.logits}`);
    assert.ok(r.probabilities <= TOLERANCE, `seed ${seed}: probabilities differ by ${r.probabilities}`);
    worst = Math.max(worst, r.logits);
  }
  assert.ok(worst > 0, 'a float32 runtime never matches float64 exactly; 0 means the comparison is broken');
});

test('without BN folding every batchnorm is a BatchNormalization node, with the same results', async () => {
  let bnNodes = 0;
  for (let seed = 0; seed < 20; seed++) {
    const model = randomCnn(seed);
    const r = await parity(model, seed, 2, { foldBatchNorm: false });
    assert.ok(r.logits <= TOLERANCE, `seed ${seed}: logits differ by ${r.logits}`);
    const ops = inspectOnnx(r.bytes).operators;
    const count = ops.filter((op) => op === 'BatchNormalization').length;
    assert.equal(count, model.layers.filter((l) => l.type === 'batchnorm').length);
    bnNodes += count;
  }
  assert.ok(bnNodes > 5);
});

test('paper Omniglot CNN: parity, folded BN, and a dynamic batch size', async () => {
  const model = paperOmniglotCnn(0);
  const bytes = await writeOnnx(model);
  const ops = inspectOnnx(bytes).operators;
  assert.equal(ops.filter((op) => op === 'BatchNormalization').length, 3, 'the last BN folds into the dense layer');
  const runner = await onnxFormat.createRunner!(bytes);
  try {
    for (const count of [1, 7]) {
      const pixels = randomPixels(count, model, count);
      const got = await runner.run(pixels, count);
      const want = runReference(model, pixels, count);
      assert.deepEqual(got.shape, [count, 20]);
      want.logits.forEach((v, i) => assert.ok(Math.abs(v - got.logits[i]!) <= TOLERANCE));
    }
    await assert.rejects(runner.run(new Float32Array(10), 1), /pixels have 10 values, but 1 image\(s\) of 28x28x1 need 784/);
    assert.match(runner.runtime, /^onnxruntime-node \d+\.\d+\.\d+$/);
  } finally {
    await runner.dispose();
  }
});

test('opsets 9..17 all run and record their opset', async () => {
  const models = [randomCnn(1, { softmax: true }), randomCnn(2, { softmax: false }), randomCnn(3)];
  for (const opset of [9, 10, 11, 12, 13, 14, 15, 16, 17]) {
    for (const [i, model] of models.entries()) {
      const r = await parity(model, i, 3, { opset });
      assert.ok(r.logits <= TOLERANCE && r.probabilities <= TOLERANCE, `opset ${opset} model ${i}: ${r.logits}`);
      assert.equal(inspectOnnx(r.bytes).opset, opset);
    }
  }
});

test('bad options are usage errors', async () => {
  for (const opset of [8, 18, 13.5, '13']) {
    await assert.rejects(onnxFormat.write(paperOmniglotCnn(0), { opset }), (err: unknown) => {
      assert.ok(err instanceof HypertxError);
      assert.equal(err.code, 'E_OPTION');
      assert.equal(err.kind, 'usage');
      assert.match(err.message, /ONNX opset .* is not supported; use an integer from 9 to 17/);
      return true;
    });
  }
  await assert.rejects(onnxFormat.write(paperOmniglotCnn(0), { foldBatchNorm: 'yes' }), /foldBatchNorm must be true or false/);
});

for (const broken of invalidCnnCases()) {
  test(`write rejects an invalid model: ${broken.name}`, async () => {
    await assert.rejects(onnxFormat.write(broken.model), (err: unknown) => {
      assert.ok(err instanceof HypertxError);
      assert.equal(err.code, 'E_IR_INVALID');
      assert.ok(err.message.includes(broken.messageIncludes), `"${err.message}" should include "${broken.messageIncludes}"`);
      return true;
    });
  });
}

test('file contract: IR 8, producer, pixels [N,H,W,C], logits/probabilities [N,classes], hypertx metadata', async () => {
  const model = randomCnn(5);
  model.metadata = { producer: 'hypertx 0.1.0', modelId: 'ht-omniglot-1', supportSetHash: 'ab'.repeat(32), extra: { note: 'ünïcode ✓' } };
  const bytes = await writeOnnx(model);
  const decoded = onnx.ModelProto.decode(bytes);
  assert.equal(decoded.producerName, 'hypertx');
  const summary = inspectOnnx(bytes);
  assert.equal(summary.irVersion, 8);
  assert.equal(summary.opset, 13);
  const { height, width, channels } = model.input;
  assert.deepEqual(summary.inputs, [{ name: 'pixels', shape: ['N', height, width, channels] }]);
  const classes = model.labels.length;
  assert.deepEqual(summary.outputs, [
    { name: 'logits', shape: ['N', classes] },
    { name: 'probabilities', shape: ['N', classes] },
  ]);
  assert.deepEqual(Object.keys(summary.metadata), ['hypertx']);
  assert.deepEqual(JSON.parse(summary.metadata.hypertx!), JSON.parse(JSON.stringify(hypertxMetadata(model))));
  assert.deepEqual((summary.hypertx as { labels: string[] }).labels, model.labels);
  assert.equal(summary.operators.slice(0, 3).join(','), 'Mul,Add,Transpose');
  assert.equal(summary.operators.at(-1), 'Softmax');
});

test('the same model and options always give the same bytes', async () => {
  assert.deepEqual(await writeOnnx(randomCnn(8)), await writeOnnx(randomCnn(8)));
});

test('createRunner rejects bytes that are not a hypertx ONNX model', async () => {
  await assert.rejects(onnxFormat.createRunner!(new TextEncoder().encode('definitely not protobuf')), HypertxError);
  const noInput = onnx.ModelProto.encode({ irVersion: 8, graph: { name: 'g' } }).finish();
  await assert.rejects(onnxFormat.createRunner!(noInput), /has no "pixels" input of shape \[N,H,W,C\]/);
});

test('importing the plugin does not load onnxruntime-node', () => {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(new URL('./index.js', import.meta.url).href)});
    const cache = createRequire(import.meta.url).cache;
    console.log(Object.keys(cache).some((k) => k.includes('onnxruntime')) ? 'loaded' : 'lazy');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'lazy');
});

function edgeModels(): Array<[string, StandaloneCnn]> {
  const t = (shape: number[], seed: number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 31 + i * 1.7) * 0.5;
    return { shape, data };
  };
  const bn = (c: number, seed: number) => ({
    type: 'batchnorm' as const,
    mean: t([c], seed),
    variance: { shape: [c], data: Float32Array.from({ length: c }, (_, i) => 0.5 + i / 10) },
    gamma: t([c], seed + 1),
    beta: t([c], seed + 2),
    epsilon: 1e-3,
  });
  const base = (h: number, w: number, c: number, classes: number, layers: StandaloneCnn['layers']): StandaloneCnn => ({
    input: { height: h, width: w, channels: c, normalization: { scale: Array(c).fill(1 / 255), offset: Array(c).fill(-0.5) } },
    labels: Array.from({ length: classes }, (_, i) => `k${i}`),
    layers,
    metadata: { producer: 'edge' },
  });
  return [
    ['BN on the input, global pool, dense', base(5, 4, 3, 2, [bn(3, 1), { type: 'global_avg_pool' }, { type: 'dense', weights: t([3, 2], 2) }])],
    ['no conv: flatten then dense', base(3, 2, 3, 4, [{ type: 'flatten' }, { type: 'dense', weights: t([18, 4], 3), bias: t([4], 4) }])],
    ['no dense: logits are the global average pool', base(4, 4, 3, 3, [{ type: 'global_avg_pool' }, { type: 'softmax' }])],
    ['flatten twice, leaky relu and BN after the dense', base(2, 2, 1, 3, [
      { type: 'flatten' }, { type: 'flatten' }, { type: 'dense', weights: t([4, 3], 5) }, bn(3, 6), { type: 'leaky_relu', alpha: 0.1 },
    ])],
    ['1x1 image, stride-2 same conv and pool', base(1, 1, 3, 2, [
      { type: 'conv2d', weights: t([3, 3, 3, 4], 7), stride: 2, padding: 'same' },
      { type: 'maxpool2d', size: 3, stride: 2, padding: 'same' },
      bn(4, 8),
      { type: 'avgpool2d', size: 2, stride: 2, padding: 'same' },
      { type: 'flatten' }, { type: 'dense', weights: t([4, 2], 9) },
    ])],
  ];
}

for (const [name, model] of edgeModels()) {
  test(`edge model: ${name}`, async () => {
    for (const foldBatchNorm of [true, false]) {
      const r = await parity(model, 3, 3, { foldBatchNorm });
      assert.ok(r.logits <= TOLERANCE && r.probabilities <= TOLERANCE, `fold ${foldBatchNorm}: ${r.logits}`);
    }
  });
}
