import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { parseFormats, planOutputs } from './output-paths.js';

const files = (plans: ReturnType<typeof planOutputs>) => plans.map((p) => [p.format, p.file]);

describe('planOutputs: where compile writes', () => {
  it('without -o: ./<support folder name>.onnx and .tflite (a trailing slash on the folder does not matter)', () => {
    for (const supportDir of ['data/my-glyphs', 'data/my-glyphs/']) {
      assert.deepEqual(files(planOutputs({ supportDir, formats: undefined, output: undefined, outputIsDirectory: false })), [
        ['onnx', 'my-glyphs.onnx'],
        ['tflite', 'my-glyphs.tflite'],
      ]);
    }
  });

  it('-o dir/: every format in that folder, the int8 ones with an _int8 suffix, the C array as .h + .cc', () => {
    const plans = planOutputs({ supportDir: 'g', formats: ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn'], output: 'out/', outputIsDirectory: true });
    assert.deepEqual(files(plans), [
      ['onnx', join('out', 'g.onnx')],
      ['tflite', join('out', 'g.tflite')],
      ['tflite-int8', join('out', 'g_int8.tflite')],
      ['c-array', join('out', 'g_int8.h')],
      ['hxcnn', join('out', 'g.hxcnn')],
    ]);
    assert.equal(plans[3]!.stem, join('out', 'g_int8'), 'the plugin appends .h and .cc to the stem');
  });

  it('-o file: the extension picks the format', () => {
    const cases: [string, string][] = [
      ['m.onnx', 'onnx'],
      ['m.tflite', 'tflite'],
      ['m_int8.tflite', 'tflite-int8'],
      ['m.int8.tflite', 'tflite-int8'],
      ['M.TFLITE', 'tflite'],
      ['m.hxcnn', 'hxcnn'],
      ['m.h', 'c-array'],
      ['m.cc', 'c-array'],
    ];
    for (const [output, format] of cases) {
      const [plan] = planOutputs({ supportDir: 'g', formats: undefined, output, outputIsDirectory: false });
      assert.equal(plan!.format, format, output);
    }
    const [cArray] = planOutputs({ supportDir: 'g', formats: undefined, output: 'fw/model.cc', outputIsDirectory: false });
    assert.deepEqual([cArray!.stem, cArray!.file], ['fw/model', 'fw/model.h']);
  });

  it('-o file with several formats: the file stem names each', () => {
    assert.deepEqual(files(planOutputs({ supportDir: 'g', formats: ['onnx', 'tflite-int8'], output: 'out/m.onnx', outputIsDirectory: false })), [
      ['onnx', 'out/m.onnx'],
      ['tflite-int8', 'out/m_int8.tflite'],
    ]);
  });

  it('an output with no known extension is a usage error naming it', () => {
    assert.throws(
      () => planOutputs({ supportDir: 'g', formats: undefined, output: 'model.bin', outputIsDirectory: false }),
      (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('"model.bin"'),
    );
  });
});

describe('parseFormats', () => {
  it('reads a comma list, case-insensitively, without duplicates', () => {
    assert.deepEqual(parseFormats(' ONNX, tflite ,onnx'), ['onnx', 'tflite']);
    assert.equal(parseFormats(undefined), undefined);
  });

  it('rejects unknown and empty lists as usage errors naming the value', () => {
    assert.throws(() => parseFormats('onnx,pt'), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('"pt"'));
    assert.throws(() => parseFormats(' , '), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('--format'));
  });
});
