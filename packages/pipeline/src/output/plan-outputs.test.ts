import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { formatIds, parseFormats } from '../formats.js';
import { baseNameOf, planOutputs } from './plan-outputs.js';

const files = (plans: ReturnType<typeof planOutputs>) => plans.map((p) => [p.format, p.file]);

describe('planOutputs: where compile writes', () => {
  it('without -o: ./<support folder name>.onnx and .tflite (a trailing slash on the folder does not matter)', () => {
    for (const supportDir of ['data/my-glyphs', 'data/my-glyphs/']) {
      assert.deepEqual(files(planOutputs({ baseName: baseNameOf(supportDir), formats: undefined, output: undefined, outputIsDirectory: false })), [
        ['onnx', 'my-glyphs.onnx'],
        ['tflite', 'my-glyphs.tflite'],
      ]);
    }
  });

  it('-o dir/: every format in that folder, the int8 ones with an _int8 suffix, the C array as .cc + .h', () => {
    const plans = planOutputs({ baseName: 'g', formats: ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn'], output: 'out/', outputIsDirectory: true });
    assert.deepEqual(files(plans), [
      ['onnx', join('out', 'g.onnx')],
      ['tflite', join('out', 'g.tflite')],
      ['tflite-int8', join('out', 'g_int8.tflite')],
      ['c-array', join('out', 'g_int8.cc')],
      ['hxcnn', join('out', 'g.hxcnn')],
    ]);
    assert.equal(plans[3]!.stem, join('out', 'g_int8'), 'the plugin appends .cc and .h to the stem');
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
      const [plan] = planOutputs({ baseName: 'g', formats: undefined, output, outputIsDirectory: false });
      assert.equal(plan!.format, format, output);
    }
    const [cArray] = planOutputs({ baseName: 'g', formats: undefined, output: 'fw/model.cc', outputIsDirectory: false });
    assert.deepEqual([cArray!.stem, cArray!.file], ['fw/model', 'fw/model.cc']);
  });

  it('-o file with several formats: the file stem names each', () => {
    assert.deepEqual(files(planOutputs({ baseName: 'g', formats: ['onnx', 'tflite-int8'], output: 'out/m.onnx', outputIsDirectory: false })), [
      ['onnx', 'out/m.onnx'],
      ['tflite-int8', 'out/m_int8.tflite'],
    ]);
  });

  it('a name of up to 255 bytes is planned as given; a longer one (a suffix counts) is a usage error naming it', () => {
    const stem = 'é'.repeat(122) + 'x'; // 245 bytes in UTF-8
    const [plan] = planOutputs({ baseName: 'g', formats: undefined, output: `out/${stem}.onnx`, outputIsDirectory: false });
    assert.equal(Buffer.byteLength(join(plan!.file).slice(4)), 250);
    assert.throws(
      () => planOutputs({ baseName: 'g', formats: ['onnx', 'tflite-int8'], output: `out/${stem}xxxxx.onnx`, outputIsDirectory: false }),
      (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes(`"${stem}xxxxx_int8.tflite" is 262 bytes long`),
    );
  });

  it('an output with no known extension is a usage error naming it', () => {
    assert.throws(
      () => planOutputs({ baseName: 'g', formats: undefined, output: 'model.bin', outputIsDirectory: false }),
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
    assert.throws(() => parseFormats(' , ', '--format'), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('--format'));
  });

  it('suggests the closest known format for a typo', () => {
    assert.throws(() => parseFormats('c-aray', '--format'), (err: unknown) => isHypertxError(err) && err.message.includes('did you mean "c-array"?'));
    assert.throws(() => parseFormats('zzzzzz'), (err: unknown) => isHypertxError(err) && !err.message.includes('did you mean'));
  });

  it('lists every registered format, deployable ones first and the IR last', () => {
    assert.deepEqual(formatIds(), ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn']);
  });
});
