// A StandaloneCnn written as ONNX by @hypertx/export-onnx, then run in onnxruntime-node and compared
// with the float64 reference of @hypertx/export.
//
//   node export-onnx.mjs [file.onnx]        (writes the file only when you name one)
import { writeFile } from 'node:fs/promises';
import { runReference } from '@hypertx/export';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';
import { inspectOnnx, onnxFormat } from '@hypertx/export-onnx';

const model = paperOmniglotCnn(0);
const [file] = await onnxFormat.write(model, { opset: 13 }); // { extension: '.onnx', bytes, role: 'model' }
const info = inspectOnnx(file.bytes);
console.log(`onnx:      ${file.bytes.byteLength} bytes, opset ${info.opset}, ${info.parameters} parameters, ops ${[...new Set(info.operators)].join(' ')}`);

const runner = await onnxFormat.createRunner(file.bytes); // loads onnxruntime-node on first use
try {
  const pixels = randomPixels(1, model, 8); // raw 0..255 pixels, NHWC
  const { logits } = await runner.run(pixels, 8);
  const reference = runReference(model, pixels, 8).logits;
  const diff = Math.max(...logits.map((v, i) => Math.abs(v - reference[i])));
  console.log(`runtime:   ${runner.runtime}; max |Δ logits| vs the float64 reference ${diff.toExponential(1)} on 8 images`);
} finally {
  await runner.dispose();
}

if (process.argv[2]) {
  await writeFile(process.argv[2], file.bytes);
  console.log(`written:   ${process.argv[2]}`);
}
