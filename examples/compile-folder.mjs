// Compile a support folder into verified ONNX and int8 TFLite files with @hypertx/pipeline, and write
// them; a bad folder ends in the library's typed error, in one line.
//
//   node compile-folder.mjs <support-folder> [out-folder]     (default out-folder: out/)
import { baseNameOf, compile, isHypertxError, writeCompiled } from '@hypertx/pipeline';

const [folder, out = 'out/'] = process.argv.slice(2);
if (!folder) {
  console.error('usage: node compile-folder.mjs <support-folder> [out-folder]   (one sub-folder of images per class)');
  process.exit(2);
}

try {
  // The bundled default model; each format verified in its runtime (onnxruntime-node, LiteRT.js) before it is returned.
  const result = await compile(folder, { formats: ['onnx', 'tflite-int8'] });
  const written = await writeCompiled(result.formats, { output: out.endsWith('/') ? out : `${out}/`, baseName: baseNameOf(folder) });
  console.log(`classes: ${result.labels.join(', ')}`);
  for (const [i, w] of written.entries()) {
    const f = result.formats[i];
    console.log(`wrote:   ${w.path} (${f.bytes} bytes, verified in ${f.verification?.runtime})`);
  }
} catch (err) {
  if (!isHypertxError(err)) throw err; // anything else is a bug: let it show its stack
  console.error(`error: ${err.message}${err.hint ? `\nhint:  ${err.hint}` : ''}`);
  process.exitCode = err.kind === 'usage' ? 2 : 1;
}
