// The StandaloneCnn IR of @hypertx/export: validate a network, run the float64 reference, fold its
// BatchNorms, and write and read the .hxcnn file.
//
//   node export-ir.mjs [file.hxcnn]        (default: model.hxcnn in the current folder)
import { foldBatchNorm, readCnnFile, runReference, validate, writeCnnFile } from '@hypertx/export';
import { paperOmniglotCnn, randomPixels } from '@hypertx/export/testing';

const file = process.argv[2] ?? 'model.hxcnn';

const model = paperOmniglotCnn(0); // the paper's Omniglot CNN with random weights: 28×28×1 → 20 classes
const trace = validate(model); // throws a HypertxError naming the layer and field at fault
console.log(`layers:    ${trace.layerOutputs.map((shape) => `[${shape.join(',')}]`).join(' → ')}`);

const pixels = randomPixels(1, model, 4); // 4 images of raw 0..255 pixels, NHWC
const { probabilities, shape } = runReference(model, pixels, 4); // float64 inference
console.log(`reference: probabilities [${shape.join(', ')}], first image's top class ${argmax(probabilities.subarray(0, shape[1]))}`);

await writeCnnFile(file, foldBatchNorm(model)); // BatchNorms folded exactly; the file is written atomically
const again = await readCnnFile(file);
const folded = runReference(again, pixels, 4).probabilities;
const diff = Math.max(...probabilities.map((p, i) => Math.abs(p - folded[i])));
console.log(`written:   ${file}, ${again.layers.length} layers after folding; max |Δp| vs the unfolded network ${diff.toExponential(1)}`);

function argmax(row) {
  return row.indexOf(Math.max(...row));
}
