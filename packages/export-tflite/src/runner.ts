/**
 * Runs a .tflite file in LiteRT.js (see litert.ts) through its `serving_default` signature.
 * Files have a fixed batch of 1, so a batch of N images runs image by image. LiteRT.js has no int8
 * tensors (only float32, int32 and uint8), so int8-I/O files are refused with
 * E_TFLITE_RUNTIME_UNSUPPORTED.
 */
import type { ModelRunner, RunOutputs } from '@hypertx/export';
import { HypertxError } from '@hypertx/export';
import { runtimeFailure } from './errors.js';
import { inspectTflite, type TfliteInfo, type TfliteTensorInfo } from './inspect.js';
import { errorLines, loadLiteRtOnce, withCapturedConsole } from './litert.js';
import { TensorType } from './schema.js';
import { SIGNATURE } from './signature.js';

interface IoTensor {
  info: TfliteTensorInfo;
  /** Elements per image. */
  size: number;
}

export async function createRunner(bytes: Uint8Array): Promise<ModelRunner> {
  const info = inspectTflite(bytes);
  const io = signatureTensors(info);
  if ([io.input, io.logits, io.probabilities].some((t) => t.info.type !== TensorType.FLOAT32)) {
    throw new HypertxError(
      'E_TFLITE_RUNTIME_UNSUPPORTED',
      'LiteRT.js 2.5.3 has no int8 tensor type, so a file with int8 input/output cannot be run here',
      {
        kind: 'verification',
        hint: "Verify the io: 'float' export of the same model instead: it is the same int8 graph plus QUANTIZE/DEQUANTIZE.",
      },
    );
  }
  const { api, runtime } = await loadLiteRtOnce();
  // A fresh copy: LiteRT wants the file at a 16-byte aligned address (a Node Buffer may be a pool slice).
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  let compiled: Awaited<ReturnType<typeof api.loadAndCompile>>;
  try {
    const { result, lines } = await withCapturedConsole(() => api.loadAndCompile(aligned, { accelerator: 'wasm' }));
    const errors = errorLines(lines);
    if (errors.length > 0) {
      result.delete();
      throw runtimeFailure(`LiteRT.js could not prepare the model: ${errors.join(' | ')}`);
    }
    compiled = result;
  } catch (err) {
    if (err instanceof HypertxError) throw err;
    throw runtimeFailure(`LiteRT.js could not load the model: ${describe(err)}`, err);
  }

  let disposed = false;
  const runOne = async (image: Float32Array): Promise<{ logits: Float32Array; probabilities: Float32Array }> => {
    const inputTensor = new api.Tensor(Float32Array.from(image), io.input.info.shape);
    const { result, lines } = await withCapturedConsole(async () => {
      const outputs = await compiled.run(SIGNATURE.key, { [SIGNATURE.input]: inputTensor });
      try {
        const read = (name: string): Float32Array => {
          const t = outputs[name];
          if (!t) throw runtimeFailure(`LiteRT.js returned no "${name}" output (got ${Object.keys(outputs).join(', ')})`);
          return Float32Array.from(t.toTypedArray());
        };
        return { logits: read(SIGNATURE.logits), probabilities: read(SIGNATURE.probabilities) };
      } finally {
        for (const t of Object.values(outputs)) t.delete();
        inputTensor.delete();
      }
    });
    const errors = errorLines(lines);
    if (errors.length > 0) throw runtimeFailure(`LiteRT.js reported an error while running the model: ${errors.join(' | ')}`);
    return result;
  };

  return {
    runtime,
    async run(pixels: Float32Array, count: number): Promise<RunOutputs> {
      if (disposed) throw new HypertxError('E_RUNNER_DISPOSED', 'the TFLite runner was disposed', { kind: 'internal' });
      const size = io.input.size;
      if (!Number.isInteger(count) || count < 1 || pixels.length !== count * size) {
        throw new HypertxError('E_INPUT_SIZE', `pixels have ${pixels.length} values, but ${count} image(s) of shape [${io.input.info.shape.slice(1).join(',')}] need ${count * size}`, {
          kind: 'input',
          hint: 'Pass raw 0..255 pixels, NHWC, resized to the model input size.',
        });
      }
      const classes = io.logits.size;
      const logits = new Float32Array(count * classes);
      const probabilities = new Float32Array(count * classes);
      for (let n = 0; n < count; n++) {
        const out = await runOne(pixels.subarray(n * size, (n + 1) * size));
        logits.set(out.logits, n * classes);
        probabilities.set(out.probabilities, n * classes);
      }
      // Prepare failures do not reject in LiteRT.js; they leave all-zero outputs (probabilities
      // sum to 1, so all zeros is never a real answer).
      if (probabilities.every((p) => p === 0)) {
        throw runtimeFailure('LiteRT.js returned all-zero probabilities: the model did not run');
      }
      return { logits, probabilities, shape: [count, classes] };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      compiled.delete();
    },
  };
}

function signatureTensors(info: TfliteInfo): { input: IoTensor; logits: IoTensor; probabilities: IoTensor } {
  const signature = info.signatures.find((s) => s.key === SIGNATURE.key);
  const find = (list: { name: string; tensor: number }[] | undefined, name: string): IoTensor => {
    const entry = list?.find((e) => e.name === name);
    const tensor = entry ? info.tensors[entry.tensor] : undefined;
    if (!tensor) {
      throw new HypertxError('E_TFLITE_SIGNATURE', `the file has no "${SIGNATURE.key}" signature ${list ? 'entry' : ''} "${name}"`, {
        kind: 'input',
        hint: 'Only files with a serving_default signature (pixels → logits, probabilities), as hypertx writes them, can be run.',
      });
    }
    if (tensor.type !== TensorType.FLOAT32 && tensor.type !== TensorType.INT8) {
      throw new HypertxError('E_TFLITE_SIGNATURE', `signature tensor "${name}" has type ${tensor.type}; expected float32 or int8`, { kind: 'input' });
    }
    return { info: tensor, size: tensor.shape.slice(1).reduce((a, b) => a * b, 1) };
  };
  return {
    input: find(signature?.inputs, SIGNATURE.input),
    logits: find(signature?.outputs, SIGNATURE.logits),
    probabilities: find(signature?.outputs, SIGNATURE.probabilities),
  };
}

function describe(err: unknown): string {
  const log = (err as { liteRtLog?: string[] } | undefined)?.liteRtLog;
  const message = err instanceof Error ? err.message : String(err);
  const errors = log ? errorLines(log) : [];
  return errors.length > 0 ? `${message} (${errors.join(' | ')})` : message;
}
