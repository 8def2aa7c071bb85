/**
 * Runs exported files in LiteRT.js (one runtime load for the whole file) and compares them with
 * the float64 reference of @hypertx/export and with a simulation of the written graph.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runReference, type StandaloneCnn } from '@hypertx/export';
import { paperOmniglotCnn, randomCnn, randomPixels } from '@hypertx/export/testing';
import { coreShapedCnn } from './test-support/models.js';
import { createRunner } from './runner.js';
import { BuiltinOperator } from './schema.js';
import { expectedTfliteOutputs, simulateGraph } from './simulate.js';
import { buildTfliteGraph, exportTflite } from './tflite-format.js';
import { serializeTflite } from './write-flatbuffer.js';

const BATCH = 4;
const STEP = 1 / 256;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function argmaxRows(x: ArrayLike<number>, width: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < x.length / width; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (x[r * width + k]! > x[r * width + best]!) best = k;
    rows.push(best);
  }
  return rows;
}

/** The calibration set contains the evaluated images plus others, as in compile (support + unlabelled). */
function calibrationWith(model: StandaloneCnn, pixels: Float32Array, seed: number) {
  const extra = randomPixels(seed, model, 12);
  const all = new Float32Array(extra.length + pixels.length);
  all.set(extra);
  all.set(pixels, extra.length);
  return { pixels: all, count: 12 + pixels.length / (extra.length / 12) };
}

// Everything LiteRT.js would print while loading (WebGPU/NPU warnings, INFO lines) must stay hidden.
const leaked: string[] = [];
const originalWrites = { out: process.stdout.write, err: process.stderr.write };
before(() => {
  const spy = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const text = String(chunk);
      if (/Failed to create default WebGPU|npu_registry|accelerator_registry|(INFO|WARNING|ERROR): \[/.test(text)) leaked.push(text);
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = spy(originalWrites.out);
  process.stderr.write = spy(originalWrites.err);
});
after(() => {
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
});

describe('float32 in LiteRT.js vs the float64 reference', () => {
  it('loads quietly (no WebGPU/NPU/INFO noise on stdout or stderr) and removes its shims', async () => {
    const runner = await createRunner(exportTflite(paperOmniglotCnn(0), 'float32'));
    await runner.run(randomPixels(0, paperOmniglotCnn(0), 1), 1);
    await runner.dispose();
    assert.deepEqual(leaked, []);
    assert.match(runner.runtime, /^LiteRT\.js 2\.5\.3/);
    // The browser shims are gone again once the runtime has loaded.
    const g = globalThis as Record<string, unknown>;
    assert.equal(g['importScripts'], undefined);
    assert.equal(g['self'], undefined);
  });

  it(`50 seeded random models, ${BATCH} images each: logits and probabilities within 1e-5`, async () => {
    let worst = 0;
    for (let seed = 0; seed < 50; seed++) {
      const model = randomCnn(seed);
      const pixels = randomPixels(seed, model, BATCH);
      const reference = runReference(model, pixels, BATCH);
      const runner = await createRunner(exportTflite(model, 'float32'));
      const out = await runner.run(pixels, BATCH);
      await runner.dispose();
      assert.deepEqual(out.shape, reference.shape);
      const diff = Math.max(maxAbsDiff(out.logits, reference.logits), maxAbsDiff(out.probabilities, reference.probabilities));
      assert.ok(diff <= 1e-5, `seed ${seed}: max abs diff ${diff}`);
      worst = Math.max(worst, diff);
    }
    assert.ok(worst > 0, 'float32 arithmetic differs from float64 somewhere (the comparison is live)');
  });

  it('the paper Omniglot CNN, 8 images, 3 seeds', async () => {
    for (let seed = 0; seed < 3; seed++) {
      const model = paperOmniglotCnn(seed);
      const pixels = randomPixels(seed + 10, model, 8);
      const reference = runReference(model, pixels, 8);
      const runner = await createRunner(exportTflite(model, 'float32'));
      const out = await runner.run(pixels, 8);
      await runner.dispose();
      assert.ok(maxAbsDiff(out.logits, reference.logits) <= 1e-5);
      assert.deepEqual(argmaxRows(out.probabilities, 20), argmaxRows(reference.probabilities, 20));
    }
  });
});

describe('int8 in LiteRT.js', () => {
  it('50 seeded random models: agrees with the reference on argmax, error bounded, exact where the kernels are', async (t) => {
    const steps: number[] = [];
    let agree = 0;
    let images = 0;
    for (let seed = 0; seed < 50; seed++) {
      const model = randomCnn(seed);
      const pixels = randomPixels(seed, model, BATCH);
      const reference = runReference(model, pixels, BATCH);
      const graph = buildTfliteGraph(model, 'int8', { calibration: calibrationWith(model, pixels, seed + 500) });
      const runner = await createRunner(serializeTflite(graph));
      const out = await runner.run(pixels, BATCH);
      await runner.dispose();
      const classes = reference.shape[1];
      const error = maxAbsDiff(out.probabilities, reference.probabilities) / STEP;
      steps.push(error);
      // Measured over these 50 models: median 1.89, max 9.01 output steps (README, "int8 accuracy").
      assert.ok(error <= 12, `seed ${seed}: ${error.toFixed(2)} output steps from the float reference`);
      const got = argmaxRows(out.probabilities, classes);
      const want = argmaxRows(reference.probabilities, classes);
      agree += got.filter((k, i) => k === want[i]).length;
      images += got.length;
      // LiteRT's int8 kernels for these operators compute exactly what the graph's quantisation
      // parameters say; AVERAGE_POOL_2D and LEAKY_RELU round differently, which can compound.
      const approximateKernels = graph.operators.some(
        (op) => op.op === BuiltinOperator.AVERAGE_POOL_2D || op.op === BuiltinOperator.LEAKY_RELU,
      );
      const size = pixels.length / BATCH;
      let simulated = 0;
      for (let n = 0; n < BATCH; n++) {
        const sim = simulateGraph(graph, pixels.subarray(n * size, (n + 1) * size));
        simulated = Math.max(simulated, maxAbsDiff(out.probabilities.subarray(n * classes, (n + 1) * classes), sim.probabilities) / STEP);
      }
      assert.ok(simulated <= (approximateKernels ? 6 : 1) + 1e-6, `seed ${seed}: ${simulated} steps from the simulated int8 graph`);
    }
    steps.sort((a, b) => a - b);
    const median = steps[steps.length >> 1]!;
    const within2 = steps.filter((e) => e <= 2).length;
    t.diagnostic(`int8 vs float reference, output steps: median ${median.toFixed(2)}, max ${steps.at(-1)!.toFixed(2)}, ${within2}/50 models within 2 steps; argmax ${agree}/${images}`);
    assert.ok(median <= 2.5, `median error ${median.toFixed(2)} output steps`);
    assert.ok(agree >= 0.95 * images, `argmax agreement ${agree}/${images}`);
  });

  it('the paper Omniglot CNN calibrated on other images: exactly the simulated graph; near the reference', async () => {
    let agree = 0;
    for (let seed = 0; seed < 5; seed++) {
      const model = paperOmniglotCnn(seed);
      const pixels = randomPixels(seed + 1, model, 8);
      const reference = runReference(model, pixels, 8);
      const calibration = { pixels: randomPixels(seed + 100, model, 32), count: 32 };
      const graph = buildTfliteGraph(model, 'int8', { calibration });
      const runner = await createRunner(serializeTflite(graph));
      const out = await runner.run(pixels, 8);
      await runner.dispose();
      for (let n = 0; n < 8; n++) {
        const sim = simulateGraph(graph, pixels.subarray(n * 784, (n + 1) * 784));
        const diff = maxAbsDiff(out.probabilities.subarray(n * 20, (n + 1) * 20), sim.probabilities) / STEP;
        assert.ok(diff <= 1 + 1e-6, `seed ${seed} image ${n}: ${diff} steps from the simulated graph`);
      }
      // Measured quantisation error of these random-weight CNNs (He init, sharp logits):
      // 1.75, 0.54, 9.99, 2.58, 8.90 output steps for seeds 0-4.
      const error = maxAbsDiff(out.probabilities, reference.probabilities) / STEP;
      assert.ok(error <= 12, `seed ${seed}: ${error.toFixed(2)} output steps from the float reference`);
      const want = argmaxRows(reference.probabilities, 20);
      agree += argmaxRows(out.probabilities, 20).filter((k, i) => k === want[i]).length;
    }
    assert.ok(agree >= 36, `argmax agreement ${agree}/40`);
  });

  it('expectedTfliteOutputs predicts the written int8 and float32 files', async () => {
    const model = paperOmniglotCnn(4);
    const pixels = randomPixels(40, model, 6);
    const calibration = { pixels: randomPixels(41, model, 16), count: 16 };
    for (const precision of ['int8', 'float32'] as const) {
      const runner = await createRunner(exportTflite(model, precision, { calibration }));
      const out = await runner.run(pixels, 6);
      await runner.dispose();
      const expected = expectedTfliteOutputs(model, precision, { calibration }, pixels, 6);
      assert.deepEqual(expected.shape, out.shape);
      const tolerance = precision === 'int8' ? STEP + 1e-6 : 1e-5;
      assert.ok(maxAbsDiff(expected.probabilities, out.probabilities) <= tolerance, precision);
    }
    assert.throws(() => expectedTfliteOutputs(model, 'float32', {}, pixels, 5), { code: 'E_INPUT_SIZE' });
  });

  it("the HyperTransformer's block order (conv → maxpool → relu|leaky → BN): float within 1e-6 relative, int8 as simulated", async () => {
    for (const activation of ['relu', 'leaky_relu'] as const) {
      for (let seed = 0; seed < 3; seed++) {
        const model = coreShapedCnn(seed, activation);
        const pixels = randomPixels(seed + 60, model, 6);
        const reference = runReference(model, pixels, 6);
        const f32 = await createRunner(exportTflite(model, 'float32'));
        const outF = await f32.run(pixels, 6);
        await f32.dispose();
        // float32 accumulation error grows with the logits (up to 18 here): 1e-6 relative, at least 1e-5.
        const floatDiff = maxAbsDiff(outF.logits, reference.logits);
        const scale = Math.max(...Array.from(reference.logits, Math.abs));
        assert.ok(floatDiff <= Math.max(1e-5, 1e-6 * scale), `${activation} seed ${seed} float: ${floatDiff}`);
        const calibration = { pixels: randomPixels(seed + 70, model, 24), count: 24 };
        const i8 = await createRunner(exportTflite(model, 'int8', { calibration }));
        const outQ = await i8.run(pixels, 6);
        await i8.dispose();
        const expected = expectedTfliteOutputs(model, 'int8', { calibration }, pixels, 6);
        const tolerance = (activation === 'relu' ? 1 : 6) * STEP + 1e-6;
        assert.ok(maxAbsDiff(outQ.probabilities, expected.probabilities) <= tolerance, `${activation} seed ${seed} int8 vs simulation`);
      }
    }
  });

  it("refuses int8-I/O files clearly (LiteRT.js has no int8 tensors)", async () => {
    const model = paperOmniglotCnn(0);
    const bytes = exportTflite(model, 'int8', { calibration: { pixels: randomPixels(1, model, 4), count: 4 }, io: 'int8' });
    await assert.rejects(createRunner(bytes), { code: 'E_TFLITE_RUNTIME_UNSUPPORTED', kind: 'verification' });
  });
});

describe('runner failures are errors, never silent', () => {
  const model = randomCnn(8);
  const graph = () => buildTfliteGraph(model, 'float32');

  it('zero conv strides: LiteRT only logs a prepare ERROR; the runner throws', async () => {
    const g = graph();
    for (const op of g.operators) if (op.options?.kind === 'conv2d') op.options.strideH = 0;
    await assert.rejects(async () => {
      const runner = await createRunner(serializeTflite(g));
      await runner.run(randomPixels(1, model, 1), 1);
    }, { code: 'E_TFLITE_RUNTIME' });
    assert.deepEqual(leaked, [], 'the ERROR line was captured, not printed');
  });

  it('an operator version LiteRT does not know: E_TFLITE_RUNTIME', async () => {
    const g = graph();
    for (const op of g.operators) if (op.op === BuiltinOperator.CONV_2D) op.version = 99;
    await assert.rejects(createRunner(serializeTflite(g)), { code: 'E_TFLITE_RUNTIME' });
  });

  it('truncated bytes: E_TFLITE_MALFORMED before LiteRT sees them', async () => {
    const bytes = exportTflite(model, 'float32');
    await assert.rejects(createRunner(bytes.subarray(0, 100)), { code: 'E_TFLITE_MALFORMED' });
  });

  it('wrong pixel count and use after dispose', async () => {
    const runner = await createRunner(exportTflite(model, 'float32'));
    await assert.rejects(runner.run(new Float32Array(3), 1), { code: 'E_INPUT_SIZE' });
    await runner.dispose();
    await assert.rejects(runner.run(randomPixels(1, model, 1), 1), { code: 'E_RUNNER_DISPOSED' });
  });
});
