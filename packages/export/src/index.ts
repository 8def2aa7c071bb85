/**
 * @hypertx/export: the StandaloneCnn IR and everything format-independent around it.
 */
import './register.js';
export type * from './ir.js';
export type * from './plugin.js';
export type { Episode, ImageBatch } from './episode.js';
export { HypertxError, isHypertxError, usageError, type ErrorKind, type HypertxErrorOptions } from './errors.js';
export { Random, hashSeed, deriveSeed, mix32, type Seed } from './random.js';
export { validate, formatShape, E_IR_INVALID, type ActivationShape, type ShapeTrace } from './validate.js';
export { spatialOutputSize, windowPadding, type AxisPadding } from './padding.js';
export {
  runReference,
  forwardPass,
  normalizeInput,
  softmaxRows,
  type ReferenceOutputs,
  type Activation,
  type ActivationObserver,
} from './reference.js';
export {
  foldBatchNorm,
  foldBatchNormWithReport,
  batchNormAffine,
  type BatchNormFold,
  type FoldResult,
} from './fold.js';
export { countParameters } from './parameters.js';
export { encodeCnn, decodeCnn, HXCNN_FORMAT, HXCNN_VERSION, HXCNN_EXTENSION } from './hxcnn.js';
export { hxcnnFormat } from './hxcnn-format.js';
export { assembleSealed, checkSeal, sealableHeader, sealedPrefix, tilingProblem, DIGEST_HEX_LENGTH, type SealCheck } from './sealed-container.js';
export { atomicTemporaryOf, writeFileAtomic, writeCnnFile, readCnnFile } from './files.js';
export { fileWriteError } from './write-error.js';
export {
  readInputFile,
  pendingStalledReads,
  formatBytes,
  INPUT_FILE_LIMITS,
  DEFAULT_READ_TIMEOUT_MS,
  type InputFileKind,
  type ReadInputFileOptions,
} from './input-file.js';
export {
  hypertxMetadata,
  HYPERTX_METADATA_FORMAT,
  EXPORT_PACKAGE_VERSION,
  type HypertxMetadata,
} from './metadata.js';
export {
  FormatRegistry,
  defaultFormatRegistry,
  registerFormat,
  getFormat,
  listFormats,
  type RegisterOptions,
} from './registry.js';
export * from './quantize.js';
export { parseHypertxMetadata, HYPERTX_METADATA_SCHEMA, type ParsedHypertxMetadata } from './metadata-schema.js';
export { describeValue } from './describe-value.js';
