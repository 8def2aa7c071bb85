import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';
import type { StandaloneCnn } from '@hypertx/export';
import { estimateArena, estimateArenaBytes } from './arena.js';
import { tfliteBytesFromSource, writeCArray } from './c-array.js';
import { cArrayFormat } from './formats.js';
import { exportTflite } from './tflite-format.js';

const model = paperOmniglotCnn(0);
const calibration = { pixels: randomPixels(5, model, 8), count: 8 };

/** Parses the byte initialiser of the .cc back into bytes. */
function bytesFromSource(source: string, name: string): Uint8Array {
  const body = source.split(`alignas(16) const unsigned char ${name}[] = {`)[1]!.split('};')[0]!;
  return Uint8Array.from(body.match(/0x[0-9a-f]{2}/g)!.map((h) => parseInt(h, 16)));
}

describe('c-array format', () => {
  it('writes a header and a source holding exactly the int8 .tflite bytes', async () => {
    const files = await cArrayFormat.write(model, { calibration, name: 'glyph_model' });
    assert.deepEqual(files.map((f) => [f.extension, f.role]), [['.cc', 'model'], ['.h', 'header']]);
    const source = new TextDecoder().decode(files[0]!.bytes);
    const header = new TextDecoder().decode(files[1]!.bytes);
    const expected = exportTflite(model, 'int8', { calibration });
    assert.deepEqual(files[0]!.details, { tfliteBytes: expected.length, arenaBytes: estimateArenaBytes(model) });
    assert.deepEqual(bytesFromSource(source, 'glyph_model'), expected);
    assert.match(source, new RegExp(`const unsigned int glyph_model_len = ${expected.length};`));
    assert.match(source, /extern const unsigned char glyph_model\[\];/);
    assert.match(header, /#ifndef GLYPH_MODEL_H_/);
    assert.match(header, new RegExp(`#define GLYPH_MODEL_SIZE ${expected.length}\\n`));
    assert.match(header, new RegExp(`#define GLYPH_MODEL_ARENA_BYTES ${estimateArenaBytes(model)}\\n`));
    assert.match(header, /extern const unsigned int glyph_model_len;/);
    assert.match(header, /Model: \d+ bytes of \.tflite \(int8 full-integer, float I\/O\)/);
    assert.match(header, /Estimated tensor arena: \d+ bytes/);
  });

  it("precision 'float32' embeds the float file and needs no calibration", async () => {
    const { source, tflite } = await writeCArray(model, { precision: 'float32' });
    assert.deepEqual(tflite, exportTflite(model, 'float32'));
    assert.deepEqual(bytesFromSource(source, 'hypertx_model'), tflite);
  });

  it("documents int8 I/O quantisation in the comment when io is 'int8'", async () => {
    const { header } = await writeCArray(model, { calibration, io: 'int8' });
    assert.match(header, /int8 with scale 1 and zero point -128 \(q = pixel - 128\)/);
  });

  it('runs the model parsed back out of the written source, as its int8 graph computes', async () => {
    const [source] = await cArrayFormat.write(model, { calibration });
    assert.deepEqual(tfliteBytesFromSource(new TextDecoder().decode(source!.bytes)), exportTflite(model, 'int8', { calibration }));
    const pixels = randomPixels(9, model, 3);
    const runner = await cArrayFormat.createRunner!(source!.bytes);
    try {
      const out = await runner.run(pixels, 3);
      const expected = (await cArrayFormat.expectedOutputs!(model, { calibration }, pixels, 3))!;
      for (let i = 0; i < out.probabilities.length; i++) {
        assert.ok(Math.abs(out.probabilities[i]! - expected.probabilities[i]!) <= 1 / 256 + 1e-6, `probability ${i} within one int8 step`);
      }
    } finally {
      await runner.dispose();
    }
  });

  // Labels from the library or HTTP (not folder names) can be any string.
  const trickyLabels = ['*/', 'x[] = {0x01', 'nul\0byte', 'line\nbreak', 'héllo ✓ 字', '/* nested', 'esc \x1b[2J', 'bidi \u202e', 'back\\slash "quoted"', 'ok'];

  it('keeps any label inside one comment line, ASCII only, and parseable back as JSON', async () => {
    const tricky: StandaloneCnn = { ...model, labels: model.labels.map((l, i) => trickyLabels[i] ?? l) };
    const { header, source } = await writeCArray(tricky, { calibration });
    for (const text of [header, source]) {
      assert.equal(text.indexOf('*/'), text.lastIndexOf('*/'), 'only the comment itself ends with */');
      assert.equal(text.indexOf('/*'), text.lastIndexOf('/*'), 'no comment opens inside the comment');
      assert.match(text, /^[\x20-\x7e\n]*$/, 'printable ASCII and newlines only');
      const line = text.split('\n').find((l) => l.startsWith(' * Labels: '))!;
      assert.deepEqual(JSON.parse(`[${line.slice(' * Labels: '.length, -1)}]`), tricky.labels);
    }
  });

  it('reads the bytes back whatever the labels say, including one that looks like an initialiser', async () => {
    for (const label of trickyLabels) {
      const tricky: StandaloneCnn = { ...model, labels: model.labels.map((l, i) => (i === 0 ? label : l)) };
      const { source, tflite } = await writeCArray(tricky, { precision: 'float32' });
      assert.deepEqual(tfliteBytesFromSource(source), tflite, `label ${JSON.stringify(label)}`);
    }
  });

  it('reads a source whose comments hold an initialiser-like text before the array', () => {
    const source = '// fake[] = { 0x01 };\n/* also[] = { 0x02 }; */\nconst unsigned char m[] = {\n  0x03, 0x04,\n};\n';
    assert.deepEqual(tfliteBytesFromSource(source), Uint8Array.from([3, 4]));
  });
});

describe('tensor-arena estimate', () => {
  it('is the largest live input+output pair plus bookkeeping, 16-byte aligned', () => {
    const int8 = estimateArena(model);
    // Paper CNN, int8 with float I/O: conv1 output 28x28x8 int8 (6272 B) + pool output 14x14x8 (1568 B).
    assert.equal(int8.peakActivationBytes, 6272 + 1568);
    assert.equal(int8.bytes % 16, 0);
    assert.equal(int8.bytes, int8.peakActivationBytes + int8.overheadBytes + ((16 - ((int8.peakActivationBytes + int8.overheadBytes) % 16)) % 16));
    const float = estimateArena(model, { precision: 'float32' });
    assert.equal(float.peakActivationBytes, 4 * (6272 + 1568));
    assert.ok(estimateArenaBytes(model, { io: 'int8' }) <= int8.bytes);
  });
});
