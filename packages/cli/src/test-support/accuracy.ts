/**
 * Accuracy of an exported model file on a labelled query folder, measured in the file's own runtime
 * (onnxruntime-node, LiteRT.js) on RAW pixels: the normalisation baked into the file (including an
 * ink inversion) does the mapping, exactly as on a device.
 */
import { loadPlugin } from '../compile/formats.js';
import { readModelFile } from '../model-files/read-model-file.js';
import { loadRawSupport } from '../support.js';

export interface FileAccuracy {
  correct: number;
  total: number;
  accuracy: number;
  /** The normalisation the file applies to raw pixels. */
  normalization: { scale: number[]; offset: number[] };
  runtime: string;
}

export async function measureFileAccuracy(file: string, queryDir: string): Promise<FileAccuracy> {
  const { summary, bytes, runnerFormat } = await readModelFile(file);
  const meta = summary.metadata;
  if (!meta) throw new Error(`${file} has no hypertx metadata`);
  const queries = await loadRawSupport(queryDir, meta.input);
  const plugin = await loadPlugin(runnerFormat);
  if (!plugin.createRunner) throw new Error(`no runner for ${runnerFormat}`);
  const runner = await plugin.createRunner(bytes);
  try {
    const out = await runner.run(queries.pixels, queries.count);
    const classes = out.shape[1];
    let correct = 0;
    for (let i = 0; i < queries.count; i++) {
      const row = out.probabilities.subarray(i * classes, (i + 1) * classes);
      let top = 0;
      for (let c = 1; c < classes; c++) if (row[c]! > row[top]!) top = c;
      if (meta.labels[top] === queries.classNames[queries.labels[i]!]) correct++;
    }
    return { correct, total: queries.count, accuracy: correct / queries.count, normalization: meta.input.normalization, runtime: runner.runtime };
  } finally {
    await runner.dispose();
  }
}
