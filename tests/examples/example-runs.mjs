/**
 * How the tests run each example that the READMEs show: its arguments (small inputs: the glyph
 * fixtures of this repository, a temporary folder for what it writes) and the lines it must print.
 * Used by tests/examples/ (the files in examples/, importing the workspace packages) and by
 * tests/release/ (the same code taken from the installed READMEs, importing the installed packages).
 *
 * Examples that need a service (a Redis for the queue) are run by tests/examples/ alone, which
 * starts one; they are listed in SERVICE_EXAMPLES.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = path.join(REPO_ROOT, 'fixtures');

/**
 * By example file (as named in `<!-- example: … -->`): `args(tmp)` → the command line after the
 * script, `stdout` → patterns its output must match, `files` → files (relative to the run's
 * folder) it must write.
 */
export const EXAMPLE_RUNS = {
  'examples/export-ir.mjs': {
    args: (tmp) => [path.join(tmp, 'paper.hxcnn')],
    stdout: [/^layers: +\[28,28,8\] → .* → \[20\]$/m, /^reference: probabilities \[4, 20\]/m, /^written: .*paper\.hxcnn, 17 layers after folding; max \|Δp\| vs the unfolded network \d\.\de-\d+$/m],
    files: ['paper.hxcnn'],
  },
  'examples/export-onnx.mjs': {
    args: (tmp) => [path.join(tmp, 'paper.onnx')],
    stdout: [/^onnx: +\d+ bytes, opset 13, 2060 parameters/m, /^runtime: +onnxruntime-node [\d.]+; max \|Δ logits\| vs the float64 reference \d\.\de-[6-9] on 8 images$/m],
    files: ['paper.onnx'],
  },
  'examples/export-tflite.mjs': {
    args: (tmp) => [path.join(tmp, 'tflite')],
    stdout: [/^tflite: +float32 \d+ bytes, int8 \d+ bytes$/m, /^c array: +\.cc \d+ bytes, \.h \d+ bytes, array glyph_model\[\]$/m, /^runtime: +LiteRT\.js .*; int8 max \|Δp\| vs the float64 reference 0\.0\d+/m],
    files: ['tflite/model.tflite', 'tflite/model_int8.tflite', 'tflite/model_int8.cc', 'tflite/model_int8.h'],
  },
  'examples/data-episodes.mjs': {
    args: () => [path.join(FIXTURES, 'support/glyphs-5way-1shot-dark')],
    stdout: [/^glyphs: +160 training and 40 held-out classes; an episode of 20 ways: support 20×28×28×1, 60 queries$/m, /^support: +5 classes, 5 images \(dark ink on light\), sha256 [0-9a-f]{12}…$/m, /^raw image: .*00\.png: 784 pixels, \d+\.\.255$/m],
  },
  'examples/core-train.mjs': {
    args: () => ['6'],
    stdout: [/^model: +843,304 parameters on \w+$/m, /^step +5\/6: loss \d+\.\d+/m, /^step +6\/6: loss /m, /^accuracy: +\d\.\d\d → \d\.\d\d on 20 held-out 5-way 1-shot episodes$/m, /^cnn: +conv2d → .* → dense; classes cat, dog$/m],
  },
  'examples/compile-folder.mjs': {
    args: () => [path.join(FIXTURES, 'support/glyphs-5way-1shot')],
    stdout: [/^classes: alphabet-01-character-01, /m, /^wrote: +out\/glyphs-5way-1shot\.onnx \(\d+ bytes, verified in onnxruntime-node /m, /^wrote: +out\/glyphs-5way-1shot_int8\.tflite \(\d+ bytes, verified in LiteRT\.js /m],
    files: ['out/glyphs-5way-1shot.onnx', 'out/glyphs-5way-1shot_int8.tflite'],
  },
  'examples/compile-in-memory.mjs': {
    args: () => [path.join(FIXTURES, 'support/glyphs-5way-1shot'), path.join(FIXTURES, 'query/glyphs-5way-1shot/alphabet-01-character-01/00.png')],
    stdout: [/^predicted: alphabet-01-character-01 \(p = [\d.]+\)$/m, /^correct: +yes /m],
  },
};

/** Examples that need a running service; tests/examples/ runs them with one. */
export const SERVICE_EXAMPLES = new Set(['examples/queue-submit.mjs', 'examples/queue-worker.mjs']);

/** `<!-- example: <file> -->` + the code block under it, for each tagged block of a README. */
export function taggedExamples(markdown) {
  return [...markdown.matchAll(/^<!-- example: (\S+) -->\n```(\w*)\n([\s\S]*?)^```$/gm)].map(([, file, lang, code]) => ({ file, lang, code }));
}

/** Code blocks (```js, ```ts and their kin) without an example tag: code nothing runs. */
export function untaggedCode(markdown) {
  const lines = markdown.split('\n');
  const found = [];
  lines.forEach((line, i) => {
    if (/^```(js|javascript|mjs|cjs|ts|typescript|mts|tsx|jsx)\s*$/.test(line) && !/^<!-- example: \S+ -->$/.test(lines[i - 1] ?? '')) found.push(`line ${i + 1}: ${line}`);
  });
  return found;
}
