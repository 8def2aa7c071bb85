/**
 * Runs a model file that hypertx did not just write (the user's, to verify) in its runtime on a
 * worker thread of its own: the runtime instance is fresh for every file and dies with the thread.
 * A damaged file can leave a runtime's wasm instance in a state where a later file spins forever
 * (found by the fuzz harness: LiteRT, after damaged `.tflite` files in the same process); here no
 * file inherits another's runtime, and a file that runs past `timeoutMs` is stopped and reported.
 */
import { Worker } from 'node:worker_threads';
import { HypertxError, type RunOutputs } from '@hypertx/export';

export interface UntrustedRunRequest {
  format: string;
  bytes: Uint8Array;
  pixels: Float32Array;
  count: number;
}

type UntrustedRunReply = { ok: true; outputs: RunOutputs; runtime: string } | { ok: false; error: { code?: string; kind?: string; message: string; hint?: string } };

/** How long one file may run (a support set of a few hundred images runs in well under a second). */
export const UNTRUSTED_RUN_TIMEOUT_MS = 120_000;

export function runUntrustedModel(file: string, request: UntrustedRunRequest, timeoutMs = UNTRUSTED_RUN_TIMEOUT_MS): Promise<{ outputs: RunOutputs; runtime: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./run-untrusted-thread.js', import.meta.url), { workerData: request });
    const timer = setTimeout(() => {
      settled = true;
      void worker.terminate();
      reject(new HypertxError('E_MODEL_RUN', `${file}: its runtime did not finish within ${timeoutMs / 1000} s; is the file damaged?`, { kind: 'input', path: file }));
    }, timeoutMs);
    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      then();
    };
    worker.once('message', (reply: UntrustedRunReply) =>
      settle(() => {
        void worker.terminate();
        if (reply.ok) resolve({ outputs: reply.outputs, runtime: reply.runtime });
        // A typed error stays typed; anything else is the runtime failing on the file (the caller words it).
        else if (reply.error.code) reject(new HypertxError(reply.error.code, reply.error.message, { kind: (reply.error.kind as HypertxError['kind']) ?? 'input', path: file, ...(reply.error.hint ? { hint: reply.error.hint } : {}) }));
        else reject(new Error(reply.error.message));
      }),
    );
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the runtime's thread exited with code ${code}`))));
  });
}
