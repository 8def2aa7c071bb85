// Compile a support set held in memory into an ONNX classifier, then run that file in onnxruntime-node.
//
//   node examples/compile-in-memory.mjs [support-folder] [query-image]
//
// The images are read into memory first, as a server would hold an upload or rows of a database:
// compile never sees a path. Without arguments it uses the glyph fixtures of this repository.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImageBytes } from '@hypertx/data';
import { compile, isHypertxError } from '@hypertx/pipeline';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const IMAGE = /\.(png|jpe?g|webp|gif|tiff?|avif)$/i;

/** `dir/<class>/<images>` as `{ label, bytes }`, plus `dir/_unlabeled/` when there is one. */
async function readSupport(dir) {
  const images = [];
  const unlabeled = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const classDir = path.join(dir, entry.name);
    for (const file of (await readdir(classDir)).filter((f) => IMAGE.test(f)).sort()) {
      const bytes = await readFile(path.join(classDir, file));
      if (entry.name === '_unlabeled') unlabeled.push({ bytes, name: `_unlabeled/${file}` });
      else if (!entry.name.startsWith('_')) images.push({ label: entry.name, bytes, name: `${entry.name}/${file}` });
    }
  }
  return { images, unlabeled };
}

async function main() {
  const [folderArg, queryArg] = process.argv.slice(2);
  const folder = folderArg ? path.resolve(folderArg) : path.join(fixtures, 'support/glyphs-5way-1shot');
  if (!folderArg && !existsSync(folder)) {
    // Outside the hypertx repository there are no fixtures: the folder is yours to give.
    console.error('usage: node compile-in-memory.mjs <support-folder> [query-image]   (one sub-folder of images per class)');
    process.exit(2);
  }
  // A query image drawn by someone else; for another support folder, its first image stands in.
  const support = await readSupport(folder);
  const query = queryArg
    ? path.resolve(queryArg)
    : folderArg
      ? path.join(folder, support.images[0]?.name ?? '')
      : path.join(fixtures, 'query/glyphs-5way-1shot/alphabet-01-character-01/00.png');

  const result = await compile(support, {
    formats: ['onnx'],
    onProgress: (event) => {
      if (event.type === 'stage') process.stderr.write(`… ${event.message}\n`);
    },
  });
  const onnx = result.formats[0];
  console.log(`model:     ${result.model}`);
  console.log(`classes:   ${result.labels.join(', ')}`);
  for (const file of onnx.files) {
    const verified = onnx.verification ? `verified in ${onnx.verification.runtime} (${onnx.verification.agreement.summary})` : 'not verified';
    console.log(`file:      ${file.extension} ${file.bytes.byteLength} bytes, ${verified}`);
  }

  // The exported model takes raw pixels (float32 0–255, NHWC) and normalises them itself, so the
  // query is only decoded and resized to the model's input, exactly as compile decoded the support.
  const { height, width, channels } = result.cnn.input;
  const raw = await decodeImageBytes(await readFile(query), query, { height, width, channels: channels === 3 ? 3 : 1 });
  const session = await InferenceSession.create(onnx.files[0].bytes);
  try {
    const pixels = new Tensor('float32', Float32Array.from(raw), [1, height, width, channels]);
    const outputs = await session.run({ [session.inputNames[0]]: pixels });
    const probabilities = Float32Array.from(outputs.probabilities.data, Number);
    let top = 0;
    for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[top]) top = c;
    const expected = path.basename(path.dirname(query));
    console.log(`query:     ${path.relative(process.cwd(), query)}`);
    console.log(`predicted: ${result.labels[top]} (p = ${probabilities[top].toFixed(3)})`);
    console.log(`correct:   ${result.labels[top] === expected ? 'yes' : 'no'} (the query's folder is ${expected})`);
  } finally {
    await session.release();
  }
}

try {
  await main();
} catch (err) {
  // hypertx errors carry a code and a kind, and a message that names the file or value at fault;
  // file-system errors name theirs too. Anything else is a bug: let it show its stack.
  if (!isHypertxError(err) && !(err instanceof Error && 'syscall' in err)) throw err;
  console.error(`error: ${err.message}`);
  if (isHypertxError(err) && err.hint) console.error(`hint:  ${err.hint}`);
  process.exitCode = 1;
}
