/**
 * A compile worker thread: loads the model once (posting whether it could), then compiles the
 * support sets it is sent, one at a time, and posts each result (file bytes transferred, not
 * copied) or its typed error back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isHypertxError } from '@hypertx/export';
import { compile } from '../compile/compile.js';
import { loadModel } from '../models.js';
import type { CompileJob, CompileReply, SetError, ThreadInit, ThreadLoaded } from './compile-pool.js';

const init = workerData as ThreadInit;
const port = parentPort!;
const ready = loadModel(init.model, { backend: init.backend });
ready.then(
  () => port.postMessage({ loaded: true } satisfies ThreadLoaded),
  (err: unknown) => port.postMessage({ loaded: false, error: setErrorOf(err) } satisfies ThreadLoaded),
);

port.on('message', async (job: CompileJob) => {
  try {
    const model = await ready;
    const result = await compile({ images: job.set.images, unlabeled: job.set.unlabeled }, { ...job.options, model });
    const reply: CompileReply = {
      id: job.id,
      ok: true,
      result: { labels: result.labels, supportSetHash: result.supportSetHash, formats: result.formats },
    };
    port.postMessage(reply, [...new Set(result.formats.flatMap((f) => f.files.map((file) => file.bytes.buffer as ArrayBuffer)))]);
  } catch (err) {
    const reply: CompileReply = { id: job.id, ok: false, error: setErrorOf(err) };
    port.postMessage(reply);
  }
});

function setErrorOf(err: unknown): SetError {
  const e = err as { message?: string };
  return isHypertxError(err)
    ? { code: err.code, kind: err.kind, message: err.message, ...(err.hint !== undefined ? { hint: err.hint } : {}) }
    : { code: 'E_INTERNAL', kind: 'internal', message: e?.message ?? String(err) };
}
