/**
 * The IR itself as a format plugin: `--format hxcnn` saves the StandaloneCnn, and its runner is the
 * float64 reference engine (useful to re-load a compiled model, or as a baseline in benchmarks).
 */
import { decodeCnn, encodeCnn, HXCNN_EXTENSION } from './hxcnn.js';
import { EXPORT_PACKAGE_VERSION } from './metadata.js';
import type { FormatPlugin, ModelRunner } from './plugin.js';
import { runReference } from './reference.js';

export const hxcnnFormat: FormatPlugin = {
  id: 'hxcnn',
  displayName: 'hypertx CNN (IR)',
  description: 'hypertx IR (.hxcnn: JSON header + float32 tensors, safetensors-style); runs in the float64 reference engine',
  extension: HXCNN_EXTENSION,
  quantized: false,
  async write(model) {
    return [{ extension: HXCNN_EXTENSION, bytes: encodeCnn(model), role: 'model' }];
  },
  async createRunner(bytes): Promise<ModelRunner> {
    const model = decodeCnn(bytes);
    return {
      runtime: `hypertx reference (float64) ${EXPORT_PACKAGE_VERSION}`,
      async run(pixels, count) {
        const out = runReference(model, pixels, count);
        return { logits: Float32Array.from(out.logits), probabilities: Float32Array.from(out.probabilities), shape: out.shape };
      },
      dispose() {},
    };
  },
};
