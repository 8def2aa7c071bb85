/**
 * Backend parity: the same fixed episodes on a reference backend (wasm) and a candidate (webgpu)
 * give the same loss and gradients, generated weights, evaluation losses, BatchNorm priors and
 * training updates, and checkpoints resume across the two. Runs in one process (backends switch with initBackend) and returns plain
 * numbers; the tests and tools/gpu decide what passes.
 *
 * Shapes are chosen so the cases share GPU pipelines (compiling one costs ~0.3 s on SwiftShader):
 * 1-shot with 5 unlabelled and 5-shot with 1 unlabelled images per class stack to the same shapes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendChoice, describeBackend, initBackend } from '../backend.js';
import type { HyperTransformerConfig } from '../config.js';
import { type Episode, disposeMetaBatch, stackEpisodes } from '../episode.js';
import { scoreBatch } from '../evaluate.js';
import { estimateBnPrior } from '../model/bn-prior.js';
import { forward } from '../model/forward.js';
import { createHyperTransformer } from '../model/hypertransformer.js';
import { makeSyntheticEpisode } from '../synthetic.js';
import { tf } from '../tf.js';
import { shardGradientTensor } from '../train/gradient.js';
import { type EpisodeSource, Trainer, type TrainerOptions } from '../train/trainer.js';
import { tinyConfig } from './tiny.js';

/** Relative tolerance: max |Δ| over max |reference| (float32 sums in another order, another GPU). */
export const PARITY_TOLERANCE = 1e-4;

export interface Comparison {
  name: string;
  /** max |candidate − reference| */
  maxDiff: number;
  /** max |reference| (the scale the difference is measured against) */
  scale: number;
  ok: boolean;
}

export interface ParityReport {
  reference: string;
  candidate: string;
  tolerance: number;
  comparisons: Comparison[];
  /** Wall time of each phase, ms. */
  timings: Record<string, number>;
}

interface ModelCase {
  name: string;
  config: HyperTransformerConfig;
  episodes: Episode[];
}

function cases(): ModelCase[] {
  const allLayers = tinyConfig();
  const logitsOnly = tinyConfig({ cnn: { ...allLayers.cnn, trainedConvLayers: allLayers.cnn.layers } });
  const episodes = (config: HyperTransformerConfig, shots: number, unlabeledPerClass: number) =>
    [0, 1].map((i) => makeSyntheticEpisode(config, { ways: 3, shots, queriesPerClass: 2, unlabeledPerClass, seed: 70 + 10 * shots + i }));
  return [
    { name: 'all-layers 1-shot', config: allLayers, episodes: episodes(allLayers, 1, 5) },
    { name: 'all-layers 5-shot', config: allLayers, episodes: episodes(allLayers, 5, 1) },
    { name: 'logits-only 1-shot', config: logitsOnly, episodes: episodes(logitsOnly, 1, 5) },
    { name: 'logits-only 5-shot', config: logitsOnly, episodes: episodes(logitsOnly, 5, 1) },
  ];
}

type Values = Record<string, Float32Array>;

/** Loss and gradient of each case's meta-batch (training mode); generated weights, evaluation losses and a BatchNorm prior (inference mode). */
async function modelOutputs(c: ModelCase): Promise<Values> {
  const model = createHyperTransformer(c.config, 11);
  const out: Values = {};
  const r = await shardGradientTensor(model, c.episodes, 'support');
  out['loss'] = Float32Array.of(r.loss);
  out['gradient'] = (await r.gradient.data()) as Float32Array;
  r.gradient.dispose();
  const batch = stackEpisodes(c.config, c.episodes);
  const generated = tf.tidy(() => {
    const f = forward(model, model.inferenceViews(), batch, { bnMode: 'support' });
    const named: [string, tf.Tensor][] = [['logits kernel', f.logitsKernel], ['logits bias', f.logitsBias]];
    f.blocks.forEach((b, l) => {
      if (b.kernel) named.push([`conv${l} kernel`, b.kernel]);
      named.push([`bn${l} mean`, b.mean], [`bn${l} variance`, b.variance]);
    });
    return named.map(([name, t]) => [name, tf.keep(t)] as const);
  });
  for (const [name, t] of generated) out[`generated ${name}`] = (await t.data()) as Float32Array;
  tf.dispose(generated.map(([, t]) => t));
  out['evaluation losses'] = Float32Array.from((await scoreBatch(model, c.episodes, 'support')).losses);
  const prior = await estimateBnPrior(model, [batch], 10);
  out['BatchNorm prior means'] = Float32Array.from(prior.mean.flatMap((m) => Array.from(m)));
  out['BatchNorm prior variances'] = Float32Array.from(prior.variance.flatMap((v) => Array.from(v)));
  disposeMetaBatch(batch);
  model.dispose();
  return out;
}

const trainConfig = tinyConfig();
const source: EpisodeSource = (step, seed) => [0, 1].map((i) => makeSyntheticEpisode(trainConfig, { ways: 3, shots: 1, queriesPerClass: 2, unlabeledPerClass: 5, seed: seed * 100 + step * 10 + i }));
const trainOptions: TrainerOptions = { episodes: source, seed: 3, optimizer: { name: 'sgd', momentum: 0.9 }, schedule: { kind: 'constant', lr: 0.05 }, clipNorm: 10 };

async function trainFor(steps: number, checkpoint?: string): Promise<Float32Array> {
  const trainer = new Trainer(createHyperTransformer(trainConfig, 5), trainOptions);
  await trainer.run(steps);
  if (checkpoint) await trainer.save(checkpoint);
  const values = (await trainer.model.params.data()) as Float32Array;
  trainer.model.dispose();
  await trainer.close();
  return values;
}

async function resumeTo(steps: number, checkpoint: string): Promise<Float32Array> {
  const trainer = await Trainer.resume(checkpoint, trainOptions, trainConfig);
  await trainer.run(steps);
  const values = (await trainer.model.params.data()) as Float32Array;
  trainer.model.dispose();
  await trainer.close();
  return values;
}

function compare(name: string, candidate: ArrayLike<number>, reference: ArrayLike<number>, tolerance: number): Comparison {
  let maxDiff = candidate.length === reference.length ? 0 : Infinity;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((candidate[i] as number) - (reference[i] as number)));
    scale = Math.max(scale, Math.abs(reference[i] as number));
  }
  return { name, maxDiff, scale, ok: Number.isFinite(maxDiff) && maxDiff <= tolerance * Math.max(scale, 1e-3) };
}

function delta(after: Float32Array, before: Float32Array): Float32Array {
  return after.map((v, i) => v - (before[i] as number));
}

/** Runs every parity check with `candidate` against `reference`. */
export async function runBackendParity(candidate: BackendChoice = 'webgpu', reference: BackendChoice = 'wasm', tolerance = PARITY_TOLERANCE): Promise<ParityReport> {
  const dir = await mkdtemp(join(tmpdir(), 'hypertx-parity-'));
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = Math.round(performance.now() - t0);
    }
  };
  try {
    const all = cases();
    const initial = createHyperTransformer(trainConfig, 5);
    const start = initial.values();
    initial.dispose();
    const run = async (backend: BackendChoice, phase: string, other: string) => {
      const info = await initBackend(backend);
      const outputs = await timed(`${phase}: loss, gradients and generated weights`, async () => {
        const list: Values[] = [];
        for (const c of all) list.push(await modelOutputs(c));
        return list;
      });
      const trained = await timed(`${phase}: 2 training steps, and 1 step + checkpoint`, async () => ({ two: await trainFor(2), one: await trainFor(1, join(dir, `${phase}.ckpt`)) }));
      const resumed = other ? await timed(`${phase}: resume the ${other} checkpoint for 1 step`, () => resumeTo(2, join(dir, `${other}.ckpt`))) : null;
      return { label: describeBackend(info), outputs, trained, resumed };
    };
    // Reference first (its checkpoint must exist), then the candidate, then the reference resumes the candidate's.
    const ref = await run(reference, 'reference', '');
    const cand = await run(candidate, 'candidate', 'reference');
    await initBackend(reference);
    const refResumed = await timed('reference: resume the candidate checkpoint for 1 step', () => resumeTo(2, join(dir, 'candidate.ckpt')));
    const comparisons: Comparison[] = [];
    all.forEach((c, i) => {
      for (const [key, value] of Object.entries(ref.outputs[i] as Values)) comparisons.push(compare(`${c.name}: ${key}`, (cand.outputs[i] as Values)[key] ?? [], value, tolerance));
    });
    comparisons.push(compare('2 SGD steps: parameter update', delta(cand.trained.two, start), delta(ref.trained.two, start), tolerance));
    comparisons.push(compare(`checkpoint written on ${reference}, resumed on ${candidate}: update after step 2`, delta(cand.resumed!, start), delta(ref.trained.two, start), tolerance));
    comparisons.push(compare(`checkpoint written on ${candidate}, resumed on ${reference}: update after step 2`, delta(refResumed, start), delta(ref.trained.two, start), tolerance));
    return { reference: ref.label, candidate: cand.label, tolerance, comparisons, timings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
