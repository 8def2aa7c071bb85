/**
 * Runs ONNX bytes in onnxruntime-node for verification. onnxruntime-node (a 288 MB native package)
 * is imported lazily, on the first runner, so importing the plugin stays cheap.
 */
import { HypertxError, type ModelRunner, type RunOutputs } from '@hypertx/export';
import { inspectOnnx } from './inspect.js';
import { INPUT_NAME, LOGITS_NAME, PROBABILITIES_NAME } from './build-model.js';

type Ort = typeof import('onnxruntime-node');

let ortPromise: Promise<Ort> | undefined;

function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((err: unknown) => {
    ortPromise = undefined;
    throw new HypertxError('E_RUNTIME_UNAVAILABLE', `onnxruntime-node cannot be loaded: ${(err as Error).message}`, {
      kind: 'internal',
      hint: 'Install onnxruntime-node (npm install onnxruntime-node) to verify ONNX files.',
      cause: err,
    });
  });
  return ortPromise;
}

/** Loads a hypertx ONNX file (input `pixels` [N,H,W,C]; outputs `logits`, `probabilities`). */
export async function createOnnxRunner(bytes: Uint8Array): Promise<ModelRunner> {
  const summary = inspectOnnx(bytes);
  const input = summary.inputs.find((v) => v.name === INPUT_NAME);
  const [, height, width, channels] = (input?.shape ?? []) as number[];
  if (!input || input.shape.length !== 4 || ![height, width, channels].every((d) => typeof d === 'number' && d > 0)) {
    throw new HypertxError('E_ONNX_FILE', `the ONNX model has no "${INPUT_NAME}" input of shape [N,H,W,C]`, {
      kind: 'input',
      hint: 'Only files written by hypertx (or with the same input contract) can be run.',
    });
  }
  const ort = await loadOrt();
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    // Severity 3 = errors only: libraries never print, and errors surface as exceptions anyway.
    session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  } catch (err) {
    throw new HypertxError('E_ONNX_LOAD', `onnxruntime-node rejected the model: ${(err as Error).message}`, {
      kind: 'verification',
      cause: err,
    });
  }
  const runtime = `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`;
  return {
    runtime,
    async run(pixels: Float32Array, count: number): Promise<RunOutputs> {
      const expected = count * height! * width! * channels!;
      if (!Number.isInteger(count) || count < 1 || pixels.length !== expected) {
        throw new HypertxError(
          'E_INPUT_SIZE',
          `pixels have ${pixels.length} values, but ${count} image(s) of ${height}x${width}x${channels} need ${expected}`,
          { kind: 'input' },
        );
      }
      let results;
      try {
        const feed = new ort.Tensor('float32', pixels, [count, height!, width!, channels!]);
        results = await session.run({ [INPUT_NAME]: feed });
      } catch (err) {
        throw new HypertxError('E_ONNX_RUN', `onnxruntime-node failed to run the model: ${(err as Error).message}`, {
          kind: 'verification',
          cause: err,
        });
      }
      const logits = results[LOGITS_NAME];
      const probabilities = results[PROBABILITIES_NAME];
      if (!logits || !probabilities) {
        throw new HypertxError('E_ONNX_RUN', `the model did not produce "${LOGITS_NAME}" and "${PROBABILITIES_NAME}" outputs`, {
          kind: 'verification',
        });
      }
      const classes = Number(logits.dims[1]);
      return {
        logits: Float32Array.from(logits.data as Float32Array),
        probabilities: Float32Array.from(probabilities.data as Float32Array),
        shape: [count, classes],
      };
    },
    async dispose() {
      await session.release();
    },
  };
}
