/** @hypertx/export-onnx: StandaloneCnn → ONNX, and an onnxruntime-node runner to verify the files. */
import './register.js';
export { onnxFormat } from './onnx-format.js';
export {
  buildOnnxModel,
  encodeOnnx,
  INPUT_NAME,
  LOGITS_NAME,
  PROBABILITIES_NAME,
  METADATA_KEY,
  type BuiltOnnx,
} from './build-model.js';
export type { OnnxModelObject, OnnxGraphObject, OnnxNodeObject, OnnxAttributeObject, OnnxTensorObject, OnnxValueInfoObject } from './model-object.js';
export { createOnnxRunner } from './runner.js';
export { inspectOnnx, type OnnxSummary, type OnnxValueSummary } from './inspect.js';
export {
  DEFAULT_OPSET,
  MIN_OPSET,
  MAX_OPSET,
  IR_VERSION,
  type OnnxExportOptions,
} from './options.js';
