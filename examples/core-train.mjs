// @hypertx/core: a HyperTransformer trained for a few steps on synthetic episodes, evaluated, and
// asked to write a CNN for a 2-class support set.
//
//   node core-train.mjs [steps]        (default 20: about ten seconds on one core)
import {
  createHyperTransformer, evaluate, generate, initBackend, makeSyntheticEpisode, preset, Trainer,
} from '@hypertx/core';

const steps = Number(process.argv[2] ?? 20);
const backend = await initBackend('auto'); // tfjs-node-gpu → tfjs-node (if installed) → wasm → cpu
const { config } = preset('omniglot-1shot'); // 20-way maximum, 8-channel CNNs, 28×28 input
const model = createHyperTransformer(config, /* seed */ 0);
console.log(`model:     ${model.layout.total.toLocaleString('en-US')} parameters on ${backend.name}`);

// Episodes must be a pure function of (step, seed), so that a resumed run sees the same ones.
const episodes = (step, seed) =>
  [0, 1, 2, 3].map((i) => makeSyntheticEpisode(config, { ways: 5, shots: 1, queriesPerClass: 3, seed: seed * 1e6 + step * 10 + i }));
const testEpisodes = Array.from({ length: 20 }, (_, i) => makeSyntheticEpisode(config, { ways: 5, shots: 1, queriesPerClass: 3, seed: 9e9 + i }));

const trainer = new Trainer(model, {
  episodes,
  seed: 1,
  optimizer: { name: 'adam' },
  schedule: { kind: 'constant', lr: 1e-3 },
  // Add `checkpoint: { path: 'run.hxckpt', every: 1000 }` to save (and resume with Trainer.resume).
  onProgress: (p) => {
    if (p.step % 5 === 0 || p.step === p.totalSteps) {
      console.log(`step ${String(p.step).padStart(4)}/${p.totalSteps}: loss ${p.loss.toFixed(3)}, query accuracy ${p.accuracy.toFixed(2)}, ${p.episodesPerSecond.toFixed(1)} episodes/s`);
    }
  },
});
const before = (await evaluate(model, testEpisodes, { bnMode: 'support' })).mean;
await trainer.run(steps);
await trainer.close();
const after = (await evaluate(model, testEpisodes, { bnMode: 'support' })).mean;
console.log(`accuracy:  ${before.toFixed(2)} → ${after.toFixed(2)} on 20 held-out 5-way 1-shot episodes`);

// A support set (pixels normalised as the model was trained, NHWC; label -1 = unlabelled) → a standalone CNN.
const { support, supportLabels } = makeSyntheticEpisode(config, { ways: 2, shots: 1, queriesPerClass: 1, seed: 42 });
const cnn = generate(model, support, supportLabels, { labels: ['cat', 'dog'], normalization: { scale: [1 / 128], offset: [-1] } });
console.log(`cnn:       ${cnn.layers.map((l) => l.type).join(' → ')}; classes ${cnn.labels.join(', ')}`);
