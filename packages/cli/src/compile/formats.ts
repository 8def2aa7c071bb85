/** Format plugins, loaded only when a command needs them (onnxruntime and LiteRT are heavy). */
import { HypertxError, type FormatPlugin } from '@hypertx/export';
import type { FormatId } from './output-paths.js';

const loaders: Record<FormatId, () => Promise<FormatPlugin>> = {
  onnx: async () => (await import('@hypertx/export-onnx')).onnxFormat,
  tflite: async () => (await import('@hypertx/export-tflite')).tfliteFormat,
  'tflite-int8': async () => (await import('@hypertx/export-tflite')).tfliteInt8Format,
  'c-array': async () => (await import('@hypertx/export-tflite')).cArrayFormat,
  hxcnn: async () => (await import('@hypertx/export')).hxcnnFormat,
};

export async function loadPlugin(id: FormatId): Promise<FormatPlugin> {
  const load = loaders[id];
  if (!load) throw new HypertxError('E_USAGE', `unknown format "${id}"`, { kind: 'usage' });
  return load();
}
