/**
 * Worker thread for data-parallel training: holds a replica of the model on its own wasm backend
 * and returns the gradient of a shard of episodes for the parameters it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import type { HyperTransformerConfig } from '../config.js';
import type { Episode } from '../episode.js';
import type { BnPrior } from '../model/bn-prior.js';
import type { ModelKind } from '../model/hypertransformer.js';
import { modelFromValues } from '../model/hypertransformer.js';
import { protoNetFromValues } from '../model/protonet.js';
import { tf } from '../tf.js';
import { shardGradient } from './gradient.js';

export interface WorkerInit {
  kind: ModelKind;
  config: HyperTransformerConfig;
  backend: string;
  params: Float32Array;
}

export interface WorkerJob {
  id: number;
  params: Float32Array;
  episodes: Episode[];
  bnMode: 'support' | 'transductive';
  bnPrior: BnPrior | null;
}

const init = workerData as WorkerInit;
const port = parentPort!;

async function main(): Promise<void> {
  await initBackend(init.backend === 'tensorflow' ? 'auto' : (init.backend as 'wasm' | 'cpu'));
  const model = init.kind === 'protonet' ? protoNetFromValues(init.config, init.params) : modelFromValues(init.config, init.params);
  port.on('message', async (job: WorkerJob) => {
    try {
      tf.tidy(() => model.params.assign(tf.tensor1d(job.params)));
      model.bnPrior = job.bnPrior;
      const r = await shardGradient(model, job.episodes, job.bnMode);
      port.postMessage({ id: job.id, ok: true, ...r }, [r.gradient.buffer as ArrayBuffer, r.predicted.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ id: job.id, ok: false, error: (err as Error).message, code: (err as { code?: string }).code });
    }
  });
  port.postMessage({ ready: true });
}

main().catch((err: Error) => port.postMessage({ ready: false, error: err.message }));
