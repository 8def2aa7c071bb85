/** The thread of runUntrustedModel: one file, one fresh runtime, one reply. */
import { parentPort, workerData } from 'node:worker_threads';
import { isHypertxError } from '@hypertx/export';
import type { UntrustedRunRequest } from './run-untrusted.js';
import { runModelBytes } from './verify.js';

const request = workerData as UntrustedRunRequest;
try {
  const { outputs, runtime } = await runModelBytes(request.format, request.bytes, request.pixels, request.count);
  parentPort!.postMessage({ ok: true, outputs, runtime });
} catch (err) {
  const e = err as { code?: string; kind?: string; message?: string; hint?: string };
  parentPort!.postMessage({ ok: false, error: isHypertxError(err) ? { code: err.code, kind: err.kind, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } : { message: e?.message ?? String(err) } });
}
