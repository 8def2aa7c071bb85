/**
 * Reading tensors on backends without synchronous read-back (webgpu: a GPU buffer maps only
 * asynchronously). `readAhead` awaits `data()`, which leaves the values in the backend's CPU
 * cache, so the `dataSync()` calls that follow it return them without touching the GPU. On the
 * other backends it does nothing (their `dataSync()` is cheap and `data()` would copy twice).
 */
import { tf } from './tf.js';

/** True when the current backend cannot read tensors synchronously. */
export function readsAsync(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** Makes the next `dataSync()` of each tensor free of GPU read-back (a no-op where it already is). */
export async function readAhead(tensors: readonly tf.Tensor[]): Promise<void> {
  if (!readsAsync()) return;
  await Promise.all(tensors.map((t) => t.data()));
}
