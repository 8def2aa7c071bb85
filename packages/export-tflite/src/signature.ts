/** Names every hypertx .tflite file uses for its signature, tensors and metadata. */

export const SIGNATURE = {
  key: 'serving_default',
  input: 'pixels',
  logits: 'logits',
  probabilities: 'probabilities',
} as const;

/** Name of the `Model.metadata` entry holding the UTF-8 JSON of `hypertxMetadata(model)`. */
export const HYPERTX_METADATA_NAME = 'hypertx';

/** What every emitted graph carries besides its operators. */
export interface GraphFrame {
  description: string;
  metadata: { name: string; data: Uint8Array }[];
}
