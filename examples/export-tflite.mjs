// A StandaloneCnn written by @hypertx/export-tflite as float32 and int8 TFLite and as a C array for
// TensorFlow Lite Micro; the int8 file run in LiteRT.js and compared with the float64 reference.
//
//   node export-tflite.mjs [out-folder]     (writes the files only when you name a folder)
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runReference } from '@hypertx/export';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';
import { cArrayFormat, createRunner, tfliteFormat, tfliteInt8Format } from '@hypertx/export-tflite';

const model = paperOmniglotCnn(0);
const support = randomPixels(1, model, 16); // raw 0..255 pixels, NHWC: the int8 calibration images
const calibration = { pixels: support, count: 16 };

const [f32] = await tfliteFormat.write(model); // { extension: '.tflite', bytes, role: 'model' }
const [i8] = await tfliteInt8Format.write(model, { calibration });
const cArray = await cArrayFormat.write(model, { calibration, name: 'glyph_model' }); // the .cc and the .h
console.log(`tflite:    float32 ${f32.bytes.byteLength} bytes, int8 ${i8.bytes.byteLength} bytes`);
console.log(`c array:   ${cArray.map((f) => `${f.extension} ${f.bytes.byteLength} bytes`).join(', ')}, array glyph_model[]`);

const runner = await createRunner(i8.bytes); // loads LiteRT.js once per process
try {
  const { probabilities } = await runner.run(support, 16);
  const reference = runReference(model, support, 16).probabilities;
  const diff = Math.max(...probabilities.map((p, i) => Math.abs(p - reference[i])));
  console.log(`runtime:   ${runner.runtime}; int8 max |Δp| vs the float64 reference ${diff.toFixed(4)} (${(diff * 256).toFixed(1)} output steps)`);
} finally {
  await runner.dispose();
}

const out = process.argv[2];
if (out) {
  await mkdir(out, { recursive: true });
  for (const f of [f32, { ...i8, extension: '_int8.tflite' }, ...cArray.map((f) => ({ ...f, extension: `_int8${f.extension}` }))]) {
    await writeFile(path.join(out, `model${f.extension}`), f.bytes);
  }
  console.log(`written:   ${out}/model.tflite, model_int8.tflite, model_int8.cc, model_int8.h`);
}
