/** Decoding many files with bounded concurrency and a progress callback. */
import { decodeImageFile, type DecodeOptions } from './decode.js';

export interface DecodeProgress {
  done: number;
  total: number;
  /** The file just decoded. */
  file: string;
}

export type DecodeProgressCallback = (progress: DecodeProgress) => void;

/** Decode `files` in order (results are in input order); the first failure rejects with its typed error. */
export async function decodeFiles(files: readonly string[], options: DecodeOptions, onProgress?: DecodeProgressCallback, concurrency = 4): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await decodeImageFile(files[i]!, options);
      done++;
      onProgress?.({ done, total: files.length, file: files[i]! });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return out;
}
