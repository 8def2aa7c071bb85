import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { loadModel, type LoadedModel } from '../models.js';
import type { ProgressEvent } from '../progress.js';
import { writeCompiled } from '../output/write-compiled.js';
import { supportFixture } from '../test-support/paths.js';
import { compile } from './compile.js';

const SUPPORT = supportFixture('glyphs-5way-1shot');

/** The fixture folder as in-memory images: `{ label, bytes }` per file, in a shuffled order. */
async function imagesOf(dir: string) {
  const images = [];
  for (const label of (await readdir(dir)).reverse()) {
    for (const file of await readdir(join(dir, label))) images.push({ label, bytes: new Uint8Array(await readFile(join(dir, label, file))) });
  }
  return images;
}

describe('compile (bundled default model)', () => {
  let model: LoadedModel;
  let work: string;
  before(async () => {
    model = await loadModel('default');
    work = await mkdtemp(join(tmpdir(), 'hypertx-pipeline-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it("the model's support-shift fill is the default; supportShifts: 0 turns it off, and both files verify", async () => {
    assert.equal(model.model.supportShifts, 25);
    const filled = await compile(SUPPORT, { model, formats: ['onnx'] });
    const plain = await compile(SUPPORT, { model, formats: ['onnx'], supportShifts: 0 });
    assert.ok(filled.formats[0]!.verification?.agreement.ok && plain.formats[0]!.verification?.agreement.ok);
    assert.equal(filled.cnn.metadata.extra?.['supportShifts'], '25');
    assert.equal(plain.cnn.metadata.extra?.['supportShifts'], undefined);
    assert.equal(filled.supportSetHash, plain.supportSetHash, 'the same support set');
    assert.notDeepEqual(filled.cnn.layers.at(-1), plain.cnn.layers.at(-1), 'other logits weights');
    await assert.rejects(compile(SUPPORT, { model, formats: ['onnx'], supportShifts: 26 }), /supportShifts must be a whole number from 0 \(off\) to 25/);
  });

  it('in-memory images give the same verified files, byte for byte, as the same images in a folder', async () => {
    const events: ProgressEvent[] = [];
    const fromFolder = await compile(SUPPORT, { model, formats: ['onnx', 'tflite-int8'], onProgress: (e) => events.push(e) });
    const fromMemory = await compile({ images: await imagesOf(SUPPORT) }, { model, formats: ['onnx', 'tflite-int8'] });
    assert.deepEqual(fromMemory.labels, fromFolder.labels);
    assert.equal(fromMemory.supportSetHash, fromFolder.supportSetHash);
    for (const [i, f] of fromFolder.formats.entries()) {
      assert.ok(f.verification?.agreement.ok, `${f.format} verified`);
      assert.deepEqual(fromMemory.formats[i]!.files[0]!.bytes, f.files[0]!.bytes, `${f.format} bytes`);
    }
    assert.deepEqual(fromFolder.images, { labelled: 5, unlabeled: 0 });
    assert.deepEqual(
      events.filter((e) => e.type === 'format').map((e) => (e.type === 'format' ? e.file.format : '')),
      ['onnx', 'tflite-int8'],
      'one format event per format, in order',
    );
    assert.ok(events.some((e) => e.type === 'progress' && e.unit === 'images' && e.done === e.total));
  });

  it('writeCompiled writes every file of every format into a folder, named from the base name', async () => {
    const result = await compile(SUPPORT, { model, formats: ['tflite', 'c-array'] });
    const out = join(work, 'out') + '/';
    const written = await writeCompiled(result.formats, { output: out, baseName: 'glyphs' });
    assert.deepEqual(written.map((w) => w.paths.map((p) => basename(p))), [['glyphs.tflite'], ['glyphs_int8.cc', 'glyphs_int8.h']]);
    assert.deepEqual(new Uint8Array(await readFile(written[0]!.path)), result.formats[0]!.files[0]!.bytes);
    assert.deepEqual((await readdir(out)).sort(), ['glyphs.tflite', 'glyphs_int8.cc', 'glyphs_int8.h'], 'no temporary files left');
  });

  it('bad input is a typed error naming what is wrong', async () => {
    const images = await imagesOf(SUPPORT);
    await assert.rejects(
      compile({ images: images.filter((i) => i.label === images[0]!.label) }, { model }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_SUPPORT_TOO_FEW_CLASSES' && err.message.includes('at least 2'),
    );
    const broken = [...images, { label: 'extra', bytes: new TextEncoder().encode('not an image'), name: 'extra/notes.png' }];
    await assert.rejects(compile({ images: broken }, { model }), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.message.includes('extra/notes.png'));
    await assert.rejects(compile({ images: [{ label: '', bytes: images[0]!.bytes }] }, { model }), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('label'));
    await assert.rejects(compile(SUPPORT, { model, formats: ['onnx', 'pt'] }), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('"pt"'));
  });

  it('formatOptions reach the plugin (the C array symbol); maxInputPixels reaches the decoder', async () => {
    const result = await compile(SUPPORT, { model, formats: ['c-array'], formatOptions: { 'c-array': { name: 'glyph_model' } } });
    const text = result.formats[0]!.files.map((f) => new TextDecoder().decode(f.bytes)).join('\n');
    assert.match(text, /const unsigned char glyph_model\[\]/);
    assert.ok(result.formats[0]!.verification?.agreement.ok, 'verified with the compile calibration, not replaced by the options');
    await assert.rejects(
      compile(SUPPORT, { model, formats: ['c-array'], formatOptions: { 'c-aray': { name: 'x' } } }),
      (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('"c-aray" in formatOptions') && err.message.includes('did you mean "c-array"'),
    );
    await assert.rejects(
      compile(SUPPORT, { model, maxInputPixels: 783 }),
      (err: unknown) => isHypertxError(err) && err.code === 'E_IMAGE_TOO_LARGE' && err.message.includes('more than 783 pixels'),
    );
    await assert.rejects(compile(SUPPORT, { model, maxInputPixels: 0 }), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('maxInputPixels'));
  });

  it('an aborted signal stops the compile with E_ABORTED (kind interrupted)', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(compile(SUPPORT, { model, signal: controller.signal }), (err: unknown) => isHypertxError(err) && err.code === 'E_ABORTED' && err.kind === 'interrupted');
  });
});
