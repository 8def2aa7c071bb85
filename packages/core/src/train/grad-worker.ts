/**
 * Worker thread for data-parallel training: holds a replica of the model on its own wasm backend
 * and returns the gradient of a shard of episodes for the parameters it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import type { BnMode, HyperTransformerConfig } from '../config.js';
import type { Episode } from '../episode.js';
import type { BnPrior } from '../model/bn-prior.js';
import type { EpisodeConvForm } from '../model/forward.js';
import type { ModelKind } from '../model/hypertransformer.js';
import { modelFromValues } from '../model/hypertransformer.js';
import { protoNetFromValues } from '../model/protonet.js';
import { tf } from '../tf.js';
import type { Distillation } from './distillation.js';
import { shardGradient } from './gradient.js';

export interface WorkerInit {
  kind: ModelKind;
  config: HyperTransformerConfig;
  backend: string;
  /** On a SharedArrayBuffer: the pool writes each step's parameters here before sending the job. */
  params: Float32Array;
}

export interface WorkerJob {
  id: number;
  episodes: Episode[];
  bnMode: BnMode;
  episodeConv: EpisodeConvForm | undefined;
  bnPrior: BnPrior | null;
  distillation: Distillation | null;
}

const init = workerData as WorkerInit;
const port = parentPort!;

async function main(): Promise<void> {
  await initBackend(init.backend === 'tensorflow' ? 'auto' : (init.backend as 'wasm' | 'cpu'));
  const model = init.kind === 'protonet' ? protoNetFromValues(init.config, init.params) : modelFromValues(init.config, init.params);
  port.on('message', async (job: WorkerJob) => {
    try {
      // A private copy: the cpu backend would keep the shared array itself as the tensor's storage.
      tf.tidy(() => model.params.assign(tf.tensor1d(init.params.slice())));
      model.bnPrior = job.bnPrior;
      const r = await shardGradient(model, job.episodes, job.bnMode, { episodeConv: job.episodeConv, distillation: job.distillation });
      port.postMessage({ id: job.id, ok: true, ...r }, [r.gradient.buffer as ArrayBuffer, r.predicted.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ id: job.id, ok: false, error: (err as Error).message, code: (err as { code?: string }).code });
    }
  });
  port.postMessage({ ready: true });
}

main().catch((err: Error) => port.postMessage({ ready: false, error: err.message }));
