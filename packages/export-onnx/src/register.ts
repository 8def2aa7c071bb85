/** Importing this module registers the ONNX format in @hypertx/export's default registry. */
import { registerFormat } from '@hypertx/export';
import { onnxFormat } from './onnx-format.js';

registerFormat(onnxFormat);

/** The format ids this module registered. */
export const REGISTERED_FORMATS: readonly string[] = Object.freeze([onnxFormat.id]);
