/**
 * The ONNX format plugin: `.onnx`, IR 8, opset 13 by default (option `opset`: 9..17). The protobuf
 * encoder and onnxruntime-node load on first use, so registering the format is cheap.
 */
import type { ExportedFile, ExportOptions, FormatPlugin, StandaloneCnn } from '@hypertx/export';

export const onnxFormat: FormatPlugin = {
  id: 'onnx',
  displayName: 'ONNX',
  description: 'ONNX (float32, IR 8, opset 13 by default; runs in onnxruntime)',
  extension: '.onnx',
  quantized: false,
  async write(model: StandaloneCnn, options?: ExportOptions): Promise<ExportedFile[]> {
    const { encodeOnnx } = await import('./build-model.js');
    return [{ extension: '.onnx', bytes: encodeOnnx(model, options), role: 'model' }];
  },
  async createRunner(bytes) {
    return (await import('./runner.js')).createOnnxRunner(bytes);
  },
};
