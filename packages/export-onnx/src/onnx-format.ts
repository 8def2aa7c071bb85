import type { ExportedFile, ExportOptions, FormatPlugin, StandaloneCnn } from '@hypertx/export';
import { encodeOnnx } from './build-model.js';
import { createOnnxRunner } from './runner.js';

/** The ONNX format plugin: `.onnx`, IR 8, opset 13 by default (option `opset`: 9..17). */
export const onnxFormat: FormatPlugin = {
  id: 'onnx',
  description: 'ONNX (float32, IR 8, opset 13 by default; runs in onnxruntime)',
  extension: '.onnx',
  quantized: false,
  async write(model: StandaloneCnn, options?: ExportOptions): Promise<ExportedFile[]> {
    return [{ extension: '.onnx', bytes: encodeOnnx(model, options), role: 'model' }];
  },
  createRunner: createOnnxRunner,
};
