import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHypertxError, hypertxMetadata, type StandaloneCnn } from '@hypertx/export';
import { invalidCnnCases, paperOmniglotCnn, randomCnn, randomPixels } from '@hypertx/export/testing';
import { cArrayFormat } from './formats.js';
import { inspectTflite, readTfliteMetadata, tfliteInvariantProblems, type TfliteInfo } from './inspect.js';
import { BuiltinOperator, TensorType } from './schema.js';
import { exportTflite } from './tflite-format.js';
import { tfliteFormat, tfliteInt8Format } from './formats.js';

const calibrationFor = (model: StandaloneCnn, seed: number, count = 8) => ({
  pixels: randomPixels(seed, model, count),
  count,
});

function opName(info: TfliteInfo, opIndex: number): string {
  return info.operatorCodes[info.operators[opIndex]!.opcodeIndex]!.name;
}

describe('float32 files: structure read back with the flatbuffers reader', () => {
  for (let seed = 0; seed < 12; seed++) {
    it(`random model ${seed} satisfies every invariant`, () => {
      const model = randomCnn(seed);
      const bytes = exportTflite(model, 'float32');
      const info = inspectTflite(bytes);
      assert.deepEqual(tfliteInvariantProblems(info), []);
      assert.equal(info.identifier, 'TFL3');
      assert.equal(info.version, 3);
      assert.equal(info.buffers[0]!.dataOffset, null);
      for (const b of info.buffers) if (b.dataOffset !== null) assert.equal(b.dataOffset % 16, 0);
      for (const c of info.operatorCodes) {
        assert.equal(c.deprecatedBuiltinCode, Math.min(c.builtinCode, 127));
        assert.equal(c.version, 1, `${c.name} is a float op`);
      }
      const input = info.tensors[info.inputs[0]!]!;
      assert.deepEqual(input.shape, [1, model.input.height, model.input.width, model.input.channels]);
      assert.equal(input.type, TensorType.FLOAT32);
      const sig = info.signatures.find((s) => s.key === 'serving_default');
      assert.ok(sig);
      assert.deepEqual(sig.inputs.map((e) => e.name), ['pixels']);
      assert.deepEqual(sig.outputs.map((e) => e.name), ['logits', 'probabilities']);
      // The last operator is the softmax with beta 1, feeding the "probabilities" output.
      const last = info.operators.length - 1;
      assert.equal(opName(info, last), 'SOFTMAX');
      assert.equal(info.operators[last]!.options['beta'], 1);
      for (const [i, op] of info.operators.entries()) {
        if ('stride_w' in op.options) assert.ok(op.options['stride_w']! >= 1 && op.options['stride_h']! >= 1, `operator ${i} strides`);
      }
    });
  }

  it('stores hypertxMetadata(model) as UTF-8 JSON under "hypertx"', () => {
    const model = paperOmniglotCnn(1);
    const bytes = exportTflite(model, 'float32');
    const payload = readTfliteMetadata(bytes, 'hypertx');
    assert.ok(payload);
    const json = JSON.parse(new TextDecoder().decode(payload)) as ReturnType<typeof hypertxMetadata>;
    const expected = hypertxMetadata(model);
    assert.deepEqual(json.labels, expected.labels);
    assert.deepEqual(json.input, expected.input);
    assert.equal(json.producer, expected.producer);
    assert.equal(json.extra?.['format'], 'tflite');
    assert.equal(json.extra?.['batch'], '1');
  });

  it('writes conv weights OHWI and dense weights [out,in]', () => {
    const model = paperOmniglotCnn(2);
    const info = inspectTflite(exportTflite(model, 'float32'));
    const convs = info.operators.filter((_, i) => opName(info, i) === 'CONV_2D');
    assert.equal(convs.length, 4);
    assert.deepEqual(info.tensors[convs[1]!.inputs[1]!]!.shape, [8, 3, 3, 8]);
    const fc = info.operators.find((_, i) => opName(info, i) === 'FULLY_CONNECTED')!;
    assert.deepEqual(info.tensors[fc.inputs[1]!]!.shape, [20, 8]);
    // The ReLUs after the convs are fused, not separate operators.
    assert.ok(!info.operatorCodes.some((c) => c.name === 'RELU'));
    assert.ok(convs.every((op) => op.options['fused_activation_function'] === 1));
  });

  it('is deterministic: the same model gives the same bytes', () => {
    const model = randomCnn(77);
    assert.deepEqual(exportTflite(model, 'float32'), exportTflite(randomCnn(77), 'float32'));
  });

  it('the checker flags a wrong identifier, version, misalignment and a lone opcode field', () => {
    const bytes = exportTflite(randomCnn(3), 'float32');
    const badId = bytes.slice();
    badId[7] = 0x32; // "TFL2"
    assert.match(tfliteInvariantProblems(inspectTflite(badId)).join('\n'), /identifier is "TFL2"/);

    const info = inspectTflite(bytes);
    assert.match(tfliteInvariantProblems({ ...info, version: 2 }).join('\n'), /schema version is 2/);
    const shifted = info.buffers.map((b) => (b.dataOffset === null ? b : { ...b, dataOffset: b.dataOffset + 4 }));
    assert.match(tfliteInvariantProblems({ ...info, buffers: shifted }).join('\n'), /not 16-byte aligned/);
    const codes = info.operatorCodes.map((c) => ({ ...c, deprecatedBuiltinCode: 0 }));
    assert.match(tfliteInvariantProblems({ ...info, operatorCodes: codes }).join('\n'), /deprecated_builtin_code is 0/);
  });

  it('rejects truncated bytes with E_TFLITE_MALFORMED', () => {
    assert.throws(() => inspectTflite(new Uint8Array(6)), { code: 'E_TFLITE_MALFORMED' });
    const bytes = exportTflite(randomCnn(4), 'float32');
    const cut = new Uint8Array(bytes.subarray(0, 64));
    assert.throws(() => tfliteInvariantProblems(inspectTflite(cut)), (err: unknown) => isHypertxError(err));
  });
});

describe('int8 files: quantisation structure', () => {
  const expectedVersion: Record<string, number> = {
    CONV_2D: 3,
    DEPTHWISE_CONV_2D: 3,
    FULLY_CONNECTED: 4,
    MAX_POOL_2D: 2,
    AVERAGE_POOL_2D: 2,
    MEAN: 2,
    SOFTMAX: 2,
    RESHAPE: 1,
    RELU: 2,
    LEAKY_RELU: 1,
    QUANTIZE: 1,
    DEQUANTIZE: 2,
  };

  for (let seed = 0; seed < 10; seed++) {
    it(`random model ${seed}: versions, per-channel weights, int32 bias scales, fixed softmax output`, () => {
      const model = randomCnn(seed);
      const bytes = exportTflite(model, 'int8', { calibration: calibrationFor(model, seed) });
      const info = inspectTflite(bytes);
      assert.deepEqual(tfliteInvariantProblems(info), []);
      for (const c of info.operatorCodes) assert.equal(c.version, expectedVersion[c.name], `${c.name} version`);
      info.operators.forEach((op, i) => {
        const name = opName(info, i);
        const x = info.tensors[op.inputs[0]!]!;
        const y = info.tensors[op.outputs[0]!]!;
        if (name === 'CONV_2D' || name === 'DEPTHWISE_CONV_2D' || name === 'FULLY_CONNECTED') {
          const w = info.tensors[op.inputs[1]!]!;
          const b = info.tensors[op.inputs[2]!]!;
          assert.equal(x.type, TensorType.INT8);
          assert.equal(w.type, TensorType.INT8);
          assert.equal(b.type, TensorType.INT32);
          const channels = name === 'DEPTHWISE_CONV_2D' ? w.shape[3]! : w.shape[0]!;
          if (name === 'FULLY_CONNECTED') assert.equal(w.quantization!.scale.length, 1);
          else {
            assert.equal(w.quantization!.scale.length, channels);
            assert.equal(w.quantization!.quantizedDimension, name === 'CONV_2D' ? 0 : 3);
          }
          assert.ok(w.quantization!.zeroPoint.every((z) => z === 0));
          // Per-channel weights: one bias scale per channel; per-tensor weights: one bias scale.
          assert.equal(b.quantization!.scale.length, w.quantization!.scale.length, `${name} bias scales match weight scales`);
          for (let c = 0; c < b.quantization!.scale.length; c++) {
            const sw = w.quantization!.scale[c]!;
            const expected = Math.fround(x.quantization!.scale[0]! * sw);
            assert.ok(Math.abs(b.quantization!.scale[c]! - expected) <= 1e-6 * expected, `bias scale of ${name} channel ${c}`);
          }
        }
        if (name === 'MAX_POOL_2D' || name === 'AVERAGE_POOL_2D' || name === 'RESHAPE') {
          assert.deepEqual(y.quantization, x.quantization, `${name} keeps its input quantisation`);
        }
        if (name === 'SOFTMAX') {
          assert.ok(Math.abs(y.quantization!.scale[0]! - 1 / 256) < 1e-12);
          assert.equal(y.quantization!.zeroPoint[0], -128);
        }
      });
      // Float I/O: QUANTIZE first, DEQUANTIZE for both outputs.
      assert.equal(opName(info, 0), 'QUANTIZE');
      const quantizedInput = info.tensors[info.operators[0]!.outputs[0]!]!;
      assert.deepEqual(quantizedInput.quantization, { scale: [1], zeroPoint: [-128], quantizedDimension: 0 });
      assert.deepEqual(info.outputs.map((t) => info.tensors[t]!.type), [TensorType.FLOAT32, TensorType.FLOAT32]);
    });
  }

  it("io: 'int8' is the same graph without QUANTIZE/DEQUANTIZE, with int8 I/O", () => {
    const model = paperOmniglotCnn(3);
    const calibration = calibrationFor(model, 9);
    const floatIo = inspectTflite(exportTflite(model, 'int8', { calibration }));
    const int8Io = inspectTflite(exportTflite(model, 'int8', { calibration, io: 'int8' }));
    const ops = (info: TfliteInfo) => info.operators.map((_, i) => opName(info, i)).filter((n) => n !== 'QUANTIZE' && n !== 'DEQUANTIZE');
    assert.deepEqual(ops(int8Io), ops(floatIo));
    assert.ok(!int8Io.operatorCodes.some((c) => c.name === 'QUANTIZE' || c.name === 'DEQUANTIZE'));
    const input = int8Io.tensors[int8Io.inputs[0]!]!;
    assert.equal(input.type, TensorType.INT8);
    assert.deepEqual(input.quantization, { scale: [1], zeroPoint: [-128], quantizedDimension: 0 });
    const outputs = int8Io.outputs.map((t) => int8Io.tensors[t]!);
    assert.deepEqual(outputs.map((t) => t.name), ['logits', 'probabilities']);
    assert.ok(outputs.every((t) => t.type === TensorType.INT8));
    // Same constants, byte for byte.
    const constants = (info: TfliteInfo) => info.buffers.filter((b) => b.dataOffset !== null).map((b) => b.length);
    assert.deepEqual(constants(int8Io).slice(0, -1), constants(floatIo).slice(0, -1));
  });

  it('int8 is smaller than float32 for the paper CNN', () => {
    const model = paperOmniglotCnn(0);
    const f32 = exportTflite(model, 'float32');
    const i8 = exportTflite(model, 'int8', { calibration: calibrationFor(model, 1, 16) });
    assert.ok(i8.length < f32.length, `${i8.length} < ${f32.length}`);
  });
});

describe('rejections happen before any byte is written', () => {
  const plugins = [tfliteFormat, tfliteInt8Format, cArrayFormat];
  for (const c of invalidCnnCases()) {
    it(`invalid IR "${c.name}" is rejected by every plugin`, async () => {
      for (const plugin of plugins) {
        const calibration = { pixels: new Float32Array(6 * 5 * 3), count: 1 };
        await assert.rejects(plugin.write(c.model, { calibration }), (err: unknown) => {
          assert.ok(isHypertxError(err), `${plugin.id} threw a HypertxError`);
          assert.equal(err.code, 'E_IR_INVALID', `${plugin.id}: ${err.message}`);
          assert.ok(err.message.includes(c.messageIncludes), `${plugin.id}: "${err.message}" names the fault`);
          return true;
        });
      }
    });
  }

  it('int8 without calibration: E_CALIBRATION_MISSING (usage)', async () => {
    await assert.rejects(tfliteInt8Format.write(paperOmniglotCnn(0)), { code: 'E_CALIBRATION_MISSING', kind: 'usage' });
    await assert.rejects(cArrayFormat.write(paperOmniglotCnn(0)), { code: 'E_CALIBRATION_MISSING' });
  });

  it('calibration of the wrong size or with NaN: E_CALIBRATION_INVALID', async () => {
    const model = paperOmniglotCnn(0);
    await assert.rejects(tfliteInt8Format.write(model, { calibration: { pixels: new Float32Array(100), count: 1 } }), {
      code: 'E_CALIBRATION_INVALID',
    });
    const pixels = randomPixels(1, model, 2);
    pixels[5] = Number.NaN;
    await assert.rejects(tfliteInt8Format.write(model, { calibration: { pixels, count: 2 } }), { code: 'E_CALIBRATION_INVALID' });
  });

  it('bad options: E_OPTION_INVALID', async () => {
    const model = paperOmniglotCnn(0);
    const calibration = calibrationFor(model, 2);
    await assert.rejects(tfliteInt8Format.write(model, { calibration, io: 'uint8' }), { code: 'E_OPTION_INVALID' });
    await assert.rejects(tfliteFormat.write(model, { io: 'int8' }), { code: 'E_OPTION_INVALID' });
    await assert.rejects(tfliteInt8Format.write(model, { calibration, rangeMargin: -1 }), { code: 'E_OPTION_INVALID' });
    await assert.rejects(tfliteInt8Format.write(model, { calibration, logitsRangeMargin: 'wide' }), { code: 'E_OPTION_INVALID' });
    await assert.rejects(cArrayFormat.write(model, { calibration, name: '9lives' }), { code: 'E_OPTION_INVALID' });
    await assert.rejects(cArrayFormat.write(model, { calibration, precision: 'int4' }), { code: 'E_OPTION_INVALID' });
  });
});

describe('plugin contract', () => {
  it('ids, extensions and roles', async () => {
    assert.equal(tfliteFormat.id, 'tflite');
    assert.equal(tfliteFormat.extension, '.tflite');
    assert.equal(tfliteInt8Format.id, 'tflite-int8');
    assert.equal(tfliteInt8Format.quantized, true);
    assert.equal(cArrayFormat.id, 'c-array');
    const files = await tfliteFormat.write(randomCnn(5));
    assert.deepEqual(files.map((f) => [f.extension, f.role]), [['.tflite', 'model']]);
    assert.equal(BuiltinOperator.CONV_2D, 3);
  });
});
