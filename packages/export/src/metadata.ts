/**
 * The provenance JSON that every exported format stores under the name `hypertx`
 * (ONNX metadata_props, TFLite metadata buffer, a comment in C sources).
 */
import { createRequire } from 'node:module';
import type { StandaloneCnn } from './ir.js';

/** Version of the metadata schema (bump on incompatible changes). */
export const HYPERTX_METADATA_FORMAT = 1;

/** The version of this package, read once from its package.json. */
export const EXPORT_PACKAGE_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

export interface HypertxMetadata {
  format: number;
  /** The tool that made the model weights (from `model.metadata.producer`). */
  producer: string;
  /** Version of @hypertx/export that wrote the file. */
  version: string;
  labels: string[];
  input: {
    height: number;
    width: number;
    channels: number;
    normalization: { scale: number[]; offset: number[]; description?: string };
  };
  modelId?: string;
  supportSetHash?: string;
  /** Free-form provenance plus anything the exporter adds (e.g. `{ format: "onnx", opset: "13" }`). */
  extra?: Record<string, string>;
}

/** Builds the `hypertx` metadata object; `extra` entries are merged over `model.metadata.extra`. */
export function hypertxMetadata(model: StandaloneCnn, extra?: Record<string, string>): HypertxMetadata {
  const { input, metadata } = model;
  const normalization: HypertxMetadata['input']['normalization'] = {
    scale: [...input.normalization.scale],
    offset: [...input.normalization.offset],
  };
  if (input.normalization.description !== undefined) normalization.description = input.normalization.description;
  const result: HypertxMetadata = {
    format: HYPERTX_METADATA_FORMAT,
    producer: metadata.producer,
    version: EXPORT_PACKAGE_VERSION,
    labels: [...model.labels],
    input: { height: input.height, width: input.width, channels: input.channels, normalization },
  };
  if (metadata.modelId !== undefined) result.modelId = metadata.modelId;
  if (metadata.supportSetHash !== undefined) result.supportSetHash = metadata.supportSetHash;
  const merged = { ...metadata.extra, ...extra };
  if (Object.keys(merged).length > 0) result.extra = merged;
  return result;
}
