/**
 * inspect: what a model file holds — a compiled CNN (.onnx, .tflite, .hxcnn, C array) or a
 * HyperTransformer (.hxmodel, .hxckpt, or a bundled model's name). The kind is read from the file's
 * first bytes, not its name.
 */
import { open } from 'node:fs/promises';
import { isHyperTransformerFile, readHyperTransformerFile, type HyperTransformerFileSummary } from './model-files/read-hypertransformer-file.js';
import { readModelFile, type ModelFileSummary } from './model-files/read-model-file.js';
import { bundledModelPath } from './models.js';

export type FileSummary = HyperTransformerFileSummary | ({ kind: 'cnn' } & ModelFileSummary);

export async function inspectFile(fileOrModelName: string): Promise<FileSummary> {
  const path = bundledModelPath(fileOrModelName) ?? fileOrModelName;
  if (isHyperTransformerFile(await head(path))) return readHyperTransformerFile(path);
  return { kind: 'cnn', ...(await readModelFile(path)).summary };
}

/** The first 64 bytes (empty when the file can't be read: readModelFile then names the problem). */
async function head(path: string): Promise<Uint8Array> {
  try {
    const file = await open(path);
    try {
      const bytes = new Uint8Array(64);
      const { bytesRead } = await file.read(bytes, 0, bytes.length, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return new Uint8Array(0);
  }
}
