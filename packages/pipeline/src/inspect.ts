/**
 * inspect: what a model file holds — a compiled CNN (.onnx, .tflite, .hxcnn, C array) or a
 * HyperTransformer (.hxmodel, .hxckpt, or a bundled model's name). The kind is read from the file's
 * first bytes, not its name.
 */
import { readInputFile } from '@hypertx/export';
import { isHyperTransformerFile, readHyperTransformerFile, type HyperTransformerFileSummary } from './model-files/read-hypertransformer-file.js';
import { readModelFile, type ModelFileSummary } from './model-files/read-model-file.js';
import { bundledModelPath } from './models.js';

export type FileSummary = HyperTransformerFileSummary | ({ kind: 'cnn' } & ModelFileSummary);

export async function inspectFile(fileOrModelName: string): Promise<FileSummary> {
  const path = bundledModelPath(fileOrModelName) ?? fileOrModelName;
  // Read once, safely (regular files only, size limit, timeout), whatever kind the file turns out to be.
  const buffer = await readInputFile(path, 'model');
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (isHyperTransformerFile(bytes)) return readHyperTransformerFile(path, bytes);
  return { kind: 'cnn', ...(await readModelFile(path, bytes)).summary };
}
