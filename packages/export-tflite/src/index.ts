import './register.js';
export { tfliteFormat, tfliteInt8Format, cArrayFormat } from './formats.js';
export { exportTflite, type TflitePrecision, type TfliteExportOptions } from './tflite-format.js';
export { createRunner } from './runner.js';
export {
  inspectTflite,
  readTfliteMetadata,
  tfliteInvariantProblems,
  tfliteParameterCount,
  type TfliteInfo,
  type TfliteTensorInfo,
  type TfliteOperatorInfo,
  type TfliteOperatorCodeInfo,
  type TfliteBufferInfo,
  type TfliteQuantizationInfo,
  type TfliteSignatureInfo,
} from './inspect.js';
export { INT8_INPUT_QUANTIZATION, INT8_SOFTMAX_QUANTIZATION, type Int8Io } from './emit-int8.js';
export { SIGNATURE, HYPERTX_METADATA_NAME } from './signature.js';
export { TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION } from './schema.js';
export { TfliteFormatError } from './errors.js';
export { writeCArray, tfliteBytesFromSource, type CArrayOptions } from './c-array.js';
export { estimateArenaBytes, estimateArena, type ArenaEstimate, type ArenaEstimateOptions } from './arena.js';
export { DEFAULT_RANGE_MARGIN, DEFAULT_LOGITS_RANGE_MARGIN } from './emit-int8.js';
export { expectedTfliteOutputs } from './simulate.js';
