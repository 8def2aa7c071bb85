/** Decoding many files with bounded concurrency and a progress callback. */
import { decodeImageBytes, decodeImageFile, type DecodeOptions } from './decode.js';

export interface DecodeProgress {
  done: number;
  total: number;
  /** The file just decoded. */
  file: string;
}

export type DecodeProgressCallback = (progress: DecodeProgress) => void;

/** Decode `files` in order (results are in input order); the first failure rejects with its typed error. */
export async function decodeFiles(files: readonly string[], options: DecodeOptions, onProgress?: DecodeProgressCallback, concurrency = 4): Promise<Uint8Array[]> {
  return decodeImages(files.map((path) => ({ name: path, path })), options, onProgress, concurrency);
}

/** An image to decode: a file (`path`) or bytes in memory; `name` identifies it in errors and progress. */
export interface ImageSource {
  name: string;
  path?: string;
  bytes?: Uint8Array;
}

/** `decodeFiles` for files or in-memory images alike. */
export async function decodeImages(images: readonly ImageSource[], options: DecodeOptions, onProgress?: DecodeProgressCallback, concurrency = 4): Promise<Uint8Array[]> {
  const decodeOne = (image: ImageSource) => (image.bytes ? decodeImageBytes(image.bytes, image.name, options) : decodeImageFile(image.path ?? image.name, options));
  const out: Uint8Array[] = new Array(images.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length) {
      const i = next++;
      out[i] = await decodeOne(images[i]!);
      done++;
      onProgress?.({ done, total: images.length, file: images[i]!.name });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, images.length)) }, worker));
  return out;
}
