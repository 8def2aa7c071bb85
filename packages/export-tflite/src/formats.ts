/**
 * The three format plugins of this package: `tflite`, `tflite-int8` and `c-array`. This module is
 * light on purpose: what a plugin needs (the flatbuffer writer, LiteRT.js) loads on first use, so
 * registering the formats costs a command-line tool nothing at start-up.
 */
import type { ExportOptions, FormatPlugin, RunOutputs, StandaloneCnn } from '@hypertx/export';

const writer = () => import('./tflite-format.js');
const runtime = () => import('./runner.js');
const simulator = () => import('./simulate.js');
const cArrays = () => import('./c-array.js');

async function expectedInt8(model: StandaloneCnn, options: ExportOptions, pixels: Float32Array, count: number): Promise<RunOutputs> {
  return (await simulator()).expectedTfliteOutputs(model, 'int8', options, pixels, count);
}

export const tfliteFormat: FormatPlugin = {
  id: 'tflite',
  displayName: 'TFLite float32',
  description: 'TFLite flatbuffer, float32, raw 0..255 pixel input [1,H,W,C], outputs logits and probabilities',
  extension: '.tflite',
  async write(model, options) {
    const { exportTflite } = await writer();
    return [{ extension: '.tflite', bytes: exportTflite(model, 'float32', options), role: 'model' }];
  },
  async createRunner(bytes) {
    return (await runtime()).createRunner(bytes);
  },
};

export const tfliteInt8Format: FormatPlugin = {
  id: 'tflite-int8',
  displayName: 'TFLite int8',
  description: 'TFLite flatbuffer, full-integer int8 (per-channel weights), calibrated on the given images; io float (default) or int8',
  extension: '.tflite',
  stemSuffix: '_int8',
  outputEndings: ['_int8.tflite', '.int8.tflite'],
  quantized: true,
  async write(model, options) {
    const { exportTflite } = await writer();
    return [{ extension: '.tflite', bytes: exportTflite(model, 'int8', options), role: 'model' }];
  },
  async createRunner(bytes) {
    return (await runtime()).createRunner(bytes);
  },
  expectedOutputs: expectedInt8,
};

export const cArrayFormat: FormatPlugin = {
  id: 'c-array',
  displayName: 'C array (TFLite flatbuffer)',
  description: 'C++ header + source holding the .tflite bytes (int8 by default) for microcontrollers, with an arena estimate',
  extension: '.cc',
  stemSuffix: '_int8',
  outputEndings: ['.cc', '.h'],
  quantized: true,
  async write(model, options = {}) {
    const [{ writeCArray }, { estimateArenaBytes }] = await Promise.all([cArrays(), import('./arena.js')]);
    const { header, source, tflite } = await writeCArray(model, options);
    const precision = options['precision'] ?? 'int8';
    const details = { tfliteBytes: tflite.length, arenaBytes: estimateArenaBytes(model, { precision: precision as 'int8' | 'float32' }) };
    const encoder = new TextEncoder();
    return [
      { extension: '.cc', bytes: encoder.encode(source), role: 'model', details },
      { extension: '.h', bytes: encoder.encode(header), role: 'header' },
    ];
  },
  /** Runs the model exactly as the written source holds it: the bytes are parsed back out of the C array. */
  async createRunner(source) {
    const [{ tfliteBytesFromSource }, { createRunner }] = await Promise.all([cArrays(), runtime()]);
    return createRunner(tfliteBytesFromSource(new TextDecoder().decode(source)));
  },
  async expectedOutputs(model, options, pixels, count) {
    const precision = options['precision'] ?? 'int8';
    return precision === 'int8' ? expectedInt8(model, options, pixels, count) : undefined;
  },
};
